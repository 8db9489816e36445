// Prints the closing line CI reads ("N passed, N failed") from tap's summary, and enforces the
// coverage floor: tap 21 only knows "100% or allow anything", so the real threshold lives here.
import { readFileSync, existsSync } from 'node:fs'

const [outputFile, coverageFile] = process.argv.slice(2)
const COVERAGE_FLOOR = { lines: 80, branches: 70, functions: 75 }

const output = readFileSync(outputFile, 'utf8')
const summaries = [...output.matchAll(/^# \{ (total: .*) \}$/gm)]
const last = summaries.at(-1)
if (last === undefined) {
  console.log('0 passed, 1 failed')
  console.error('test-summary: tap printed no summary line; the run did not complete')
  process.exit(1)
}
const counts = Object.fromEntries(last[1].split(',').map((kv) => kv.split(':').map((s) => s.trim())).map(([k, v]) => [k, Number(v)]))
let ok = (counts.fail ?? 0) === 0

if (existsSync(coverageFile)) {
  const total = JSON.parse(readFileSync(coverageFile, 'utf8')).total
  for (const [metric, floor] of Object.entries(COVERAGE_FLOOR)) {
    const pct = total[metric].pct
    if (typeof pct === 'number' && pct < floor) {
      console.error(`coverage: ${metric} ${pct}% is below the floor of ${floor}%`)
      ok = false
    }
  }
  console.log(`coverage: lines ${total.lines.pct}%, branches ${total.branches.pct}%, functions ${total.functions.pct}% (floors ${JSON.stringify(COVERAGE_FLOOR)})`)
} else {
  console.error('coverage: no coverage summary was written')
  ok = false
}

console.log(`${counts.pass ?? 0} passed, ${counts.fail ?? 0} failed${counts.skip ? `, ${counts.skip} skipped` : ''}`)
process.exit(ok ? 0 : 1)
