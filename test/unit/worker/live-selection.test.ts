import fc from 'fast-check'
import t from 'tap'
import { firstEligibleMsn, INITIAL_SELECTION, selectSegments, type LiveRunView, type SelectionInputs, type SelectionState } from '../../../internal/worker/live-selection.js'

const SEG_MS = 2000
const BASE = 900_000_000

function inputs (now: number, over: Partial<SelectionInputs> = {}): SelectionInputs {
  return { now, segmentMs: SEG_MS, graceMs: 1500, runs: [], slate: new Set(), awaitingFirstLive: false, window: 6, ...over }
}
const range = (from: number, to: number): Set<number> => new Set(Array.from({ length: to - from + 1 }, (_, i) => from + i))
const endOf = (msn: number): number => (msn + 1) * SEG_MS

t.test('opens on the newest slate without a publish; waits for live while one is expected', async (t) => {
  const open = selectSegments(INITIAL_SELECTION, inputs(endOf(BASE + 2) + 1600, { slate: range(BASE, BASE + 2) }))
  t.same(open.decisions, [{ msn: BASE + 2, source: 'slate', discontinuity: false }])
  const waiting = selectSegments(INITIAL_SELECTION, inputs(endOf(BASE + 2) + 1600, { slate: range(BASE, BASE + 2), awaitingFirstLive: true }))
  t.same(waiting.decisions, [], 'nothing is shown while the first live segment is on its way')
})

t.test('publisher away: the slate from the first MSN live misses past its deadline; back at the first eligible MSN', async (t) => {
  const run: LiveRunView = { session: 'a', firstEligibleMsn: BASE, ready: range(BASE, BASE + 3) }
  let state: SelectionState = INITIAL_SELECTION
  const step = (now: number, over: Partial<SelectionInputs>): string[] => {
    const r = selectSegments(state, inputs(now, over))
    state = r.state
    return r.decisions.map((d) => `${d.msn - BASE}:${d.source}${d.discontinuity ? '!' : ''}`)
  }
  t.same(step(endOf(BASE + 3), { runs: [run], slate: range(BASE, BASE + 3) }), ['0:live:a', '1:live:a', '2:live:a', '3:live:a'])
  // live 4 never comes: before its deadline, wait; after it, the slate (with a discontinuity)
  t.same(step(endOf(BASE + 4) + 1000, { runs: [run], slate: range(BASE, BASE + 4) }), [], 'live is waited for until the deadline')
  t.same(step(endOf(BASE + 4) + 1500, { runs: [run], slate: range(BASE, BASE + 4) }), ['4:slate!'])
  const back: LiveRunView = { session: 'b', firstEligibleMsn: BASE + 7, ready: range(BASE + 5, BASE + 8) }
  t.same(step(endOf(BASE + 8), { runs: [back], slate: range(BASE, BASE + 6) }), ['5:slate', '6:slate', '7:live:b!', '8:live:b'], 'warm-up segments of the new run are never shown')
})

t.test('a preferred run due to give an MSN is waited for; an ended run is not', async (t) => {
  const main: LiveRunView = { session: 'main', firstEligibleMsn: BASE + 2, ready: range(BASE + 2, BASE + 2) }
  const backup: LiveRunView = { session: 'backup', firstEligibleMsn: BASE, ready: range(BASE, BASE + 3) }
  const state: SelectionState = { next: BASE + 1, last: 'live:backup', skipped: false }
  const r = selectSegments(state, inputs(endOf(BASE + 3), { runs: [main, backup] }))
  t.same(r.decisions.map((d) => [d.msn - BASE, d.source, d.discontinuity]), [[1, 'live:backup', false], [2, 'live:main', true]], 'main takes over at its first eligible MSN and then waits for its MSN 3')
  const ended = selectSegments(state, inputs(endOf(BASE + 3), { runs: [{ ...main, ended: true }, backup] }))
  t.same(ended.decisions.map((d) => d.source), ['live:backup', 'live:main', 'live:backup'], 'an ended run is skipped where it has nothing')
})

t.test('a worker a whole window behind jumps ahead with a discontinuity', async (t) => {
  const state: SelectionState = { next: BASE, last: 'slate', skipped: false }
  const r = selectSegments(state, inputs(endOf(BASE + 20) + 1600, { slate: range(BASE + 15, BASE + 20) }))
  t.equal(r.decisions[0]?.msn, BASE + 20, 'the newest MSN whose deadline passed')
  t.equal(r.decisions[0]?.discontinuity, true)
})

t.test('the first eligible MSN counts from the anchor, so workers that start apart open live together', async (t) => {
  const anchor = { epoch_ms: BASE * SEG_MS + 300, probe_ms: 1200 }
  const early = firstEligibleMsn(BASE + 1, anchor, SEG_MS, 3000)
  const late = firstEligibleMsn(BASE + 2, anchor, SEG_MS, 3000)
  t.equal(early, late, 'a worker that started a boundary later still opens on the same MSN')
  t.ok(firstEligibleMsn(BASE + 10, anchor, SEG_MS, 3000) > late, 'a worker joining long after opens when its own warm-up is over')
})

t.test('property: decisions are contiguous, deterministic, and a discontinuity marks exactly each change of source', async (t) => {
  const arbRun = fc.record({ session: fc.constantFrom('a', 'b'), first: fc.integer({ min: 0, max: 8 }), ready: fc.uniqueArray(fc.integer({ min: 0, max: 12 }), { maxLength: 12 }) })
  fc.assert(fc.property(fc.array(arbRun, { maxLength: 2 }), fc.uniqueArray(fc.integer({ min: 0, max: 12 })), fc.integer({ min: 0, max: 14 }), (runs, slate, nowSeg) => {
    const input = inputs(endOf(BASE + nowSeg) + 700, {
      runs: runs.map((r) => ({ session: r.session, firstEligibleMsn: BASE + r.first, ready: new Set(r.ready.map((m) => BASE + m)) })),
      slate: new Set(slate.map((m) => BASE + m)),
      window: 100
    })
    const a = selectSegments(INITIAL_SELECTION, input)
    const b = selectSegments(INITIAL_SELECTION, input)
    if (JSON.stringify(a) !== JSON.stringify(b)) return false
    return a.decisions.every((d, i) => {
      const previous = a.decisions[i - 1]
      if (previous === undefined) return !d.discontinuity
      return d.msn === previous.msn + 1 && d.discontinuity === (d.source !== previous.source)
    })
  }), { numRuns: 300 })
  t.pass('held for 300 random cases')
})
