// The unit tier runs in one process under `make test`: every file under test/unit/, imported in
// order, adds its tests to this file's root. A unit file's own tests take about 0.3 s, while a
// process of its own cost about 2 s of one of the two test slots (Node, tap, the TypeScript loader
// and coverage start again each time): 74 files were 160 slot-seconds, about a sixth of the suite.
// Unit tests touch no process-wide state (no environment writes, no global clocks, no listeners on
// process), which is what running them side by side in one process needs. Each file still runs
// alone: `npx tap test/unit/hls/playlist-parser.test.ts`.
import t from 'tap'
import { readdir } from 'node:fs/promises'

const UNIT_DIR = new URL('./unit/', import.meta.url)
const files = (await readdir(UNIT_DIR, { recursive: true })).filter((f) => f.endsWith('.test.ts')).sort()
t.ok(files.length > 0, `${files.length} unit test files under test/unit/`)
for (const file of files) {
  t.comment(`test/unit/${file}`)
  await import(new URL(file, UNIT_DIR).href)
}
