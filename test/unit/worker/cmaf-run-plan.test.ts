import t from 'tap'
import fc from 'fast-check'
import { MAX_CATCH_UP_SECONDS, planCmafRun } from '../../../internal/worker/cmaf-run-plan.js'
import { MAX_AHEAD_MS, paceRun, READ_AHEAD_MS } from '../../../internal/worker/part-pacer.js'

const GRID = { segmentMs: 1000, partMs: 500 }
const NOW = 1_796_127_554_300

t.test('a first run starts on the next boundary and loses nothing', async (t) => {
  t.same(planCmafRun(undefined, NOW, GRID, true), { boundary: { msn: 1_796_127_555, t0Ms: 1_796_127_555_000 }, caughtUpSegments: 0, lostSegments: 0 })
})

t.test('a run replacing a dead one starts on the segment its frontier is in', async (t) => {
  // the dead run had cut up to part 1 of the current segment (msn ...554): re-encode from there
  const frontier = 1_796_127_554 * 2 + 1
  t.same(planCmafRun(frontier, NOW, GRID, true), { boundary: { msn: 1_796_127_554, t0Ms: 1_796_127_554_000 }, caughtUpSegments: 1, lostSegments: 0 })
  // it had read 2 s ahead: the boundary is in the future, nothing was late
  t.same(planCmafRun(1_796_127_556 * 2 + 1, NOW, GRID, true).boundary.msn, 1_796_127_556)
  t.same(planCmafRun(1_796_127_556 * 2 + 1, NOW, GRID, true).caughtUpSegments, 0)
  // control: with catch-up off, the unfinished segment is a gap
  t.same(planCmafRun(frontier, NOW, GRID, false), { boundary: { msn: 1_796_127_555, t0Ms: 1_796_127_555_000 }, caughtUpSegments: 0, lostSegments: 1 })
})

t.test('the plan never skips a part it could still make, and never goes back further than the catch-up limit', async (t) => {
  fc.assert(fc.property(fc.integer({ min: -20, max: 6 }), fc.integer({ min: 0, max: 999 }), fc.boolean(), (partsFromNow, intoSegment, catchUp) => {
    const now = 1_796_127_554_000 + intoSegment
    const frontier = 1_796_127_554 * 2 + partsFromNow
    const plan = planCmafRun(frontier, now, GRID, catchUp)
    const firstPart = plan.boundary.msn * 2
    if (plan.lostSegments === 0) {
      // the run's first segment holds the frontier: every part from it on is cut
      if (!(firstPart <= frontier && frontier < firstPart + 2)) return false
    } else {
      if (plan.boundary.t0Ms <= now) return false
      if (catchUp && plan.lostSegments <= MAX_CATCH_UP_SECONDS) return false
    }
    return plan.boundary.t0Ms === plan.boundary.msn * 1000 && plan.caughtUpSegments <= MAX_CATCH_UP_SECONDS
  }))
})

t.test('pacing: parts are held to their end time, the run stops reading once its slowest rendition is READ_AHEAD_MS ahead', async (t) => {
  const even = (ms: number): { slowestMs: number, fastestMs: number } => ({ slowestMs: ms, fastestMs: ms })
  t.same(paceRun(10_000, undefined, undefined), { pause: false, wakeAtMs: undefined }, 'nothing cut yet: read on')
  t.same(paceRun(10_000, even(11_000), 10_500), { pause: false, wakeAtMs: 10_500 }, 'a second ahead: read on, wake for the held part')
  t.same(paceRun(10_000, even(10_000 + READ_AHEAD_MS + 500), 10_500), { pause: true, wakeAtMs: 10_500 })
  t.same(paceRun(10_000, even(10_000 + READ_AHEAD_MS + 500), undefined), { pause: true, wakeAtMs: 10_500 }, 'nothing held: wake when it may read again')
  t.same(paceRun(10_000, even(10_000 + READ_AHEAD_MS), 10_000).pause, false, 'exactly the read-ahead: still reading')
  t.same(paceRun(10_000, { slowestMs: 10_500, fastestMs: 15_000 }, 10_500).pause, false, 'one rendition lags: read on, or it would run out while the other waits')
  t.same(paceRun(10_000, { slowestMs: 10_500, fastestMs: 10_000 + MAX_AHEAD_MS + 1 }, 10_500).pause, true, 'but none gets further ahead than MAX_AHEAD_MS')
})
