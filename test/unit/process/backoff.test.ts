import t from 'tap'
import fc from 'fast-check'
import { backoffDelayMs, nextBackoffMs, REPORT_RETRY_BACKOFF, RESTART_BACKOFF, type BackoffPolicy } from '../../../internal/process/backoff.js'

const SEED = 20261130

const policyArb: fc.Arbitrary<BackoffPolicy> = fc.record({
  initialMs: fc.integer({ min: 1, max: 5000 }),
  extraMs: fc.integer({ min: 0, max: 120_000 }),
  factor: fc.double({ min: 1, max: 4, noNaN: true }),
  resetAfterMs: fc.integer({ min: 1, max: 120_000 })
}).map(({ initialMs, extraMs, factor, resetAfterMs }) => ({ initialMs, maxMs: initialMs + extraMs, factor, resetAfterMs }))

/**
 * A fake clock and a restart loop the way FfmpegSupervisor drives it: a run starts, lasts
 * `runMs`, dies, waits out the delay, starts again.
 */
function simulate (policy: BackoffPolicy, runs: readonly number[]): Array<{ runMs: number, delayMs: number, at: number }> {
  let now = 0
  let previous: number | undefined
  const out: Array<{ runMs: number, delayMs: number, at: number }> = []
  for (const runMs of runs) {
    const startedAt = now
    now += runMs
    const delayMs = nextBackoffMs(previous, now - startedAt, policy)
    out.push({ runMs, delayMs, at: now })
    previous = delayMs
    now += delayMs
  }
  return out
}

t.test('the callers keep their numbers: ffmpeg restarts and discovery reports, 0.5 s doubling to 10 s', async (t) => {
  t.same({ ...RESTART_BACKOFF }, { initialMs: 500, maxMs: 10_000, factor: 2, resetAfterMs: 30_000 })
  t.same({ ...REPORT_RETRY_BACKOFF }, { initialMs: 500, maxMs: 10_000, factor: 2 })
  t.ok(Object.isFrozen(RESTART_BACKOFF) && Object.isFrozen(REPORT_RETRY_BACKOFF))
  t.same(simulate(RESTART_BACKOFF, [100, 100, 100, 100, 100, 100, 100]).map((r) => r.delayMs), [500, 1000, 2000, 4000, 8000, 10_000, 10_000])
  t.same([0, 1, 2, 3, 4, 5, 6, 100].map((n) => backoffDelayMs(n)), [0, 500, 1000, 2000, 4000, 8000, 10_000, 10_000])
})

t.test('a healthy run starts the restart delays over; a policy without resetAfterMs never does', async (t) => {
  t.same(simulate(RESTART_BACKOFF, [100, 100, 100, 30_000, 100]).map((r) => r.delayMs), [500, 1000, 2000, 500, 1000])
  t.same(simulate(REPORT_RETRY_BACKOFF, [100, 100, 1e9]).map((r) => r.delayMs), [500, 1000, 2000])
})

t.test('the growth factor is the policy\'s', async (t) => {
  const policy = { initialMs: 100, maxMs: 5000, factor: 3 }
  t.same([1, 2, 3, 4, 5].map((n) => backoffDelayMs(n, policy)), [100, 300, 900, 2700, 5000])
  t.same(simulate(policy, [1, 1, 1, 1, 1]).map((r) => r.delayMs), [100, 300, 900, 2700, 5000])
})

t.test('property: every delay is within [initialMs, maxMs]', async () => {
  fc.assert(fc.property(policyArb, fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 60 }), (policy, runs) => {
    for (const { delayMs } of simulate(policy, runs)) {
      if (delayMs < policy.initialMs || delayMs > policy.maxMs) return false
    }
    return true
  }), { seed: SEED, numRuns: 500 })
  fc.assert(fc.property(policyArb, fc.integer({ min: 1, max: 10_000 }), (policy, failures) => {
    const d = backoffDelayMs(failures, policy)
    return d >= policy.initialMs && d <= policy.maxMs && Number.isFinite(d)
  }), { seed: SEED, numRuns: 500 })
})

t.test('property: delays never decrease until a healthy run resets them, and a reset goes back to initialMs', async () => {
  fc.assert(fc.property(policyArb, fc.array(fc.integer({ min: 0, max: 200_000 }), { maxLength: 60 }), (policy, runs) => {
    const steps = simulate(policy, runs)
    for (let i = 1; i < steps.length; i++) {
      const healthy = steps[i]!.runMs >= (policy.resetAfterMs ?? Infinity)
      if (healthy && steps[i]!.delayMs !== policy.initialMs) return false
      if (!healthy && steps[i]!.delayMs < steps[i - 1]!.delayMs) return false
    }
    return true
  }), { seed: SEED, numRuns: 500 })
  fc.assert(fc.property(policyArb, fc.integer({ min: 1, max: 200 }), (policy, n) => backoffDelayMs(n + 1, policy) >= backoffDelayMs(n, policy)), { seed: SEED, numRuns: 500 })
})

t.test('property: the restart chain without a healthy run is the retry delay of the same failure count', async () => {
  fc.assert(fc.property(policyArb, fc.integer({ min: 1, max: 40 }), (policy, failures) => {
    const short = Array.from({ length: failures }, () => 0)
    const chain = simulate({ ...policy, resetAfterMs: 1 }, short).map((r) => r.delayMs)
    // runMs 0 never reaches resetAfterMs 1; float products may differ in the last bit
    return Math.abs(chain[failures - 1]! - backoffDelayMs(failures, policy)) <= 1e-6 * policy.maxMs
  }), { seed: SEED, numRuns: 300 })
})
