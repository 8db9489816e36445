import t from 'tap'
import { audioLeadSamples, loopOffsetSeconds, nextBoundary, programDateTime } from '../../../internal/worker/epoch-clock.js'
import { nextBackoffMs } from '../../../internal/process/backoff.js'

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

t.test('the loop offset is (msn mod segments per loop) x SEG: a pure function of the MSN', async (t) => {
  // a 30 s loop of 2 s segments: 15 segments per loop
  t.equal(loopOffsetSeconds(850_000_001, 15, 2), (850_000_001 % 15) * 2)
  t.equal(loopOffsetSeconds(850_000_001, 15, 2), 22)
  t.equal(loopOffsetSeconds(15, 15, 2), 0, 'a multiple of the loop starts at the loop start')
  t.equal(loopOffsetSeconds(0, 1, 6), 0)
  // two workers started apart agree at every MSN they share: the offset of msn + k is offset(msn) + k x SEG, mod the loop
  const a = 900_000_123
  for (const k of [0, 1, 7, 14, 15, 1000, 123_456]) {
    t.equal(loopOffsetSeconds(a + k, 15, 2), (loopOffsetSeconds(a, 15, 2) + k * 2) % 30, `msn + ${k}`)
  }
  // exact at today's MSNs and far beyond: integers, no float loop length mod 1.8e9 s
  t.equal(loopOffsetSeconds(Number.MAX_SAFE_INTEGER, 10, 2), (Number.MAX_SAFE_INTEGER % 10) * 2)
  t.throws(() => loopOffsetSeconds(1.5, 10, 2), RangeError)
  t.throws(() => loopOffsetSeconds(10, 0, 2), RangeError)
})

t.test('the audio lead puts AAC frames on multiples of 1024 samples since the epoch', async (t) => {
  t.equal(audioLeadSamples(1_700_000_000_000, 48_000), 0)
  t.same([2, 4, 6, 8].map((s) => audioLeadSamples(1_700_000_000_000 + s * 1000, 48_000)), [768, 512, 256, 0])
  for (const t0Ms of [1_700_000_002_000, 1_763_000_006_000, 1_800_000_010_000]) {
    t.equal(((t0Ms * 48) - audioLeadSamples(t0Ms, 48_000)) % 1024, 0, `t0 ${t0Ms}`)
  }
  t.throws(() => audioLeadSamples(1.5, 44_100), RangeError)
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
