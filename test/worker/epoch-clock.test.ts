import t from 'tap'
import { loopOffsetSeconds, nextBoundary, programDateTime } from '../../internal/worker/epoch-clock.js'
import { nextBackoffMs } from '../../internal/worker/backoff.js'

t.test('the next boundary is the next multiple of SEG since the epoch', async (t) => {
  t.same(nextBoundary(1_700_000_000_001, 2), { t0Ms: 1_700_000_002_000, msn: 850_000_001 })
  // exactly on a boundary: that one has started already, take the next
  t.same(nextBoundary(1_700_000_000_000, 2), { t0Ms: 1_700_000_002_000, msn: 850_000_001 })
  t.same(nextBoundary(1_700_000_001_999, 2), { t0Ms: 1_700_000_002_000, msn: 850_000_001 })
  t.same(nextBoundary(1_700_000_001_999, 6), { t0Ms: 1_700_000_004_000, msn: 283_333_334 })
  t.same(nextBoundary(1_700_000_001_900, 2, 200), { t0Ms: 1_700_000_004_000, msn: 850_000_002 })
})

t.test('two workers started at different times agree on every boundary they share', async (t) => {
  const a = nextBoundary(1_700_000_000_123, 2)
  const b = nextBoundary(1_700_000_003_456, 2)
  t.equal((b.t0Ms - a.t0Ms) / 2000, b.msn - a.msn)
  t.equal(a.t0Ms % 2000, 0)
  t.equal(b.t0Ms % 2000, 0)
})

t.test('the loop offset is t0 mod the input duration, on the frame grid', async (t) => {
  t.equal(loopOffsetSeconds(1_700_000_010_000, 30, 30), 1_700_000_010 % 30)
  // a 30.02 s input is 901 frames at 30 fps
  const off = loopOffsetSeconds(1_000_000, 30.02, 30)
  t.equal(off, (30_000 % 901) / 30)
  t.equal(Math.round(off * 30), off * 30, 'a whole number of frames')
  t.ok(off < 30.04)
  t.equal(loopOffsetSeconds(123_000, 0, 30), 0)
})

t.test('PDT is the boundary in ISO 8601 with milliseconds and Z', async (t) => {
  t.equal(programDateTime(850_000_001, 2), '2023-11-14T22:13:22.000Z')
  t.equal(programDateTime(0, 2), '1970-01-01T00:00:00.000Z')
})

t.test('backoff doubles to a cap and resets after a healthy run', async (t) => {
  const policy = { initialMs: 500, maxMs: 10_000, resetAfterMs: 30_000 }
  let d = nextBackoffMs(undefined, 100, policy)
  t.equal(d, 500)
  const seen = [d]
  for (let i = 0; i < 6; i++) { d = nextBackoffMs(d, 100, policy); seen.push(d) }
  t.same(seen, [500, 1000, 2000, 4000, 8000, 10_000, 10_000])
  t.equal(nextBackoffMs(10_000, 30_000, policy), 500)
})
