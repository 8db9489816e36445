import t, { type Test } from 'tap'

/**
 * Runs the tests `define` adds `jobs` at a time, inside one subtest of the file's root. A file that
 * set the root's jobs instead would also run the next file's tests beside its own when a tier runs
 * its files in one process (test/groups/).
 */
export function sideBySide (name: string, jobs: number, define: (t: Test) => void): void {
  t.test(name, async (t) => {
    t.jobs = jobs
    define(t)
  })
}
