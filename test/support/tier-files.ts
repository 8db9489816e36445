// `make test` runs the unit and component tiers a folder group per process (test/groups/): every
// file of the group, imported in path order, adds its tests to one tap root. A process of its own
// cost each file about 2 s of one of the two test slots (Node, tap, the TypeScript loader and
// coverage start again each time) around a few hundred milliseconds of tests for most of them:
// 126 files were about 250 slot-seconds, a quarter of a fresh-clone run. Each file still runs
// alone with `npx tap <file>`.
//
// What this asks of a file: no process-wide state (environment writes, global clocks, listeners
// on process), everything it starts stopped by its tests' teardowns, and its tests run one after
// another at its root (a file that runs tests side by side does it inside one subtest:
// test/support/side-by-side.ts), so files never overlap.
import t from 'tap'
import { readdir } from 'node:fs/promises'
import { sep } from 'node:path'

const TEST_DIR = new URL('../', import.meta.url)

export interface TierSelection {
  /** Only these subfolders of the tier folder. */
  readonly only?: readonly string[]
  /** Every subfolder but these. */
  readonly except?: readonly string[]
}

/** Imports every *.test.ts under test/<tier>/ that `selection` keeps, one file after another. */
export async function runTierFiles (tier: string, selection: TierSelection = {}): Promise<void> {
  const dir = new URL(`${tier}/`, TEST_DIR)
  const kept = (file: string): boolean => {
    const folder = file.split(sep)[0] ?? ''
    return (selection.only === undefined || selection.only.includes(folder)) && !(selection.except ?? []).includes(folder)
  }
  const files = (await readdir(dir, { recursive: true })).filter((f) => f.endsWith('.test.ts') && kept(f)).sort()
  t.ok(files.length > 0, `${files.length} test files under test/${tier}/ in this process`)
  for (const file of files) {
    t.comment(`test/${tier}/${file}`)
    await import(new URL(file, dir).href)
  }
}
