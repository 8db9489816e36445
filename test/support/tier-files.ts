// `make test` runs the unit and component tiers a folder group per process (test/groups/), and the
// short real-process tests (test/integration/short/) in one: every file of the group, imported in
// path order, adds its tests to one tap root. A process of its own cost each file about 2 s of one
// of the two test slots (Node, tap, the TypeScript loader and coverage start again each time)
// around a few hundred milliseconds of tests for most of them: 126 files were about 250
// slot-seconds, a quarter of a fresh-clone run. Each file still runs alone with `npx tap <file>`.
//
// A component group's root runs COMPONENT_TESTS_AT_ONCE top-level tests side by side, of one file
// or of several (the unit tier is CPU, and the short integration tests run real encoders: they run
// one at a time): most of a component test is waiting on real timers (holds, stale windows,
// backoffs of a second or two), so one after another the origin's group took 90 s of a slot for
// 13 s of CPU; five at a time, 24 s.
//
// What this asks of a file: no process-wide state (environment writes, global clocks, listeners
// on process), tests that share nothing with each other (each starts its own servers, on port 0,
// and stops them in its teardowns), and bounds on elapsed time loose enough for a busy event loop.
import t from 'tap'
import { readdir } from 'node:fs/promises'
import { sep } from 'node:path'

const TEST_DIR = new URL('../', import.meta.url)
const COMPONENT_TESTS_AT_ONCE = 5

export interface TierSelection {
  /** Only these subfolders of the tier folder. */
  readonly only?: readonly string[]
  /** Every subfolder but these. */
  readonly except?: readonly string[]
}

/** Imports every *.test.ts under test/<tier>/ that `selection` keeps. */
export async function runTierFiles (tier: string, selection: TierSelection = {}): Promise<void> {
  if (tier === 'component') t.jobs = COMPONENT_TESTS_AT_ONCE
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
