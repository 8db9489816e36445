import t from 'tap'
import { decideScale, INITIAL_SCALER_STATE, type ScalePolicy, type ScalerState } from '../../../internal/edges/edge-scaler.js'

const policy: ScalePolicy = { min: 2, max: 6, targetRps: 100, upAfterChecks: 3, downAfterChecks: 5, downRatio: 0.6, cooldownMs: 5000 }

t.test('single decisions', async (t) => {
  const cases: Array<{ name: string, state?: Partial<ScalerState>, count: number, totalRps: number, now?: number, desired: number, reason: string }> = [
    { name: 'below min is raised to min at once', count: 1, totalRps: 0, desired: 2, reason: 'below-min' },
    { name: 'below min ignores the cooldown', state: { lastChangeAt: 0 }, now: 1, count: 0, totalRps: 0, desired: 2, reason: 'below-min' },
    { name: 'above max is lowered to max at once', count: 8, totalRps: 5000, desired: 6, reason: 'above-max' },
    { name: 'one hot check is not enough', count: 2, totalRps: 500, desired: 2, reason: 'steady' },
    { name: 'third hot check in a row scales up to the count that meets the target', state: { above: 2 }, count: 2, totalRps: 450, desired: 5, reason: 'load-high' },
    { name: 'scale up adds at least one edge', state: { above: 2 }, count: 2, totalRps: 201, desired: 3, reason: 'load-high' },
    { name: 'scale up stops at max', state: { above: 2 }, count: 3, totalRps: 5000, desired: 6, reason: 'load-high' },
    { name: 'at max a hot check holds', state: { above: 5 }, count: 6, totalRps: 5000, desired: 6, reason: 'at-bound' },
    { name: 'mean exactly at target is not hot', state: { above: 2 }, count: 2, totalRps: 200, desired: 2, reason: 'steady' },
    { name: 'hot but in cooldown holds', state: { above: 2, lastChangeAt: 1000 }, now: 5999, count: 2, totalRps: 500, desired: 2, reason: 'cooldown' },
    { name: 'hot after cooldown scales', state: { above: 2, lastChangeAt: 1000 }, now: 6000, count: 2, totalRps: 500, desired: 5, reason: 'load-high' },
    { name: 'cold for enough checks removes one edge', state: { below: 4 }, count: 4, totalRps: 100, desired: 3, reason: 'load-low' },
    { name: 'cold but removing one would reach 0.6 x target: hold', state: { below: 4 }, count: 4, totalRps: 180, desired: 4, reason: 'steady' },
    { name: 'never below min', state: { below: 40 }, count: 2, totalRps: 0, desired: 2, reason: 'steady' },
    { name: 'cold in cooldown holds', state: { below: 10, lastChangeAt: 0 }, now: 100, count: 4, totalRps: 0, desired: 4, reason: 'cooldown' }
  ]
  for (const c of cases) {
    const state = { ...INITIAL_SCALER_STATE, ...c.state }
    const decision = decideScale(policy, state, { now: c.now ?? 100_000, count: c.count, totalRps: c.totalRps })
    t.equal(decision.desired, c.desired, `${c.name}: desired`)
    t.equal(decision.reason, c.reason, `${c.name}: reason`)
  }
})

t.test('counters: a hot check resets the cold count and the other way round; a change resets both', async (t) => {
  let d = decideScale(policy, { above: 0, below: 3, lastChangeAt: undefined }, { now: 0, count: 3, totalRps: 400 })
  t.same([d.state.above, d.state.below], [1, 0])
  d = decideScale(policy, { above: 2, below: 0, lastChangeAt: undefined }, { now: 0, count: 3, totalRps: 10 })
  t.same([d.state.above, d.state.below], [0, 1])
  d = decideScale(policy, { above: 2, below: 0, lastChangeAt: undefined }, { now: 42, count: 3, totalRps: 400 })
  t.same(d.state, { above: 0, below: 0, lastChangeAt: 42 })
  t.ok(Object.isFrozen(INITIAL_SCALER_STATE))
})

interface Run { counts: number[], changes: number }

/** Feeds a load trace (total rps per check, one check per second) and applies every decision at once. */
function simulate (trace: readonly number[], start = policy.min): Run {
  let state = INITIAL_SCALER_STATE
  let count = start
  const counts: number[] = []
  let changes = 0
  trace.forEach((totalRps, i) => {
    const d = decideScale(policy, state, { now: i * 1000, count, totalRps })
    state = d.state
    if (d.desired !== count) changes++
    count = d.desired
    counts.push(count)
  })
  return { counts, changes }
}

t.test('traces', async (t) => {
  const repeat = (value: number, n: number): number[] => Array.from({ length: n }, () => value)

  await t.test('a load flapping around the target every check never changes the count', async (t) => {
    const trace = Array.from({ length: 120 }, (_, i) => (i % 2 === 0 ? 260 : 140))
    const run = simulate(trace)
    t.equal(run.changes, 0)
    t.same(new Set(run.counts), new Set([2]))
  })

  await t.test('a load flapping with runs of two hot checks never scales', async (t) => {
    const trace = Array.from({ length: 120 }, (_, i) => (i % 3 === 2 ? 100 : 300))
    t.equal(simulate(trace).changes, 0)
  })

  await t.test('a load just above target after scaling up does not scale back down', async (t) => {
    // 2 edges at 1.1 x target: up to 3; then 220 over 3 edges, and 220/2 = 110 is far above 0.6 x target
    const run = simulate([...repeat(220, 60)])
    t.equal(run.changes, 1)
    t.equal(run.counts.at(-1), 3)
  })

  await t.test('a burst scales up once, and the quiet after it scales down one by one to min', async (t) => {
    const run = simulate([...repeat(550, 10), ...repeat(0, 60)])
    t.equal(Math.max(...run.counts), 6)
    t.equal(run.counts.at(-1), 2)
    const ups = run.counts.filter((c, i) => i > 0 && c > (run.counts[i - 1] ?? 0)).length + (run.counts[0] !== 2 ? 1 : 0)
    t.equal(ups, 1, 'one jump up')
    const downs = run.counts.filter((c, i) => i > 0 && c < (run.counts[i - 1] ?? 0)).length
    t.equal(downs, 4, 'four steps down')
    // down steps are at least the cooldown apart
    const downAt = run.counts.map((c, i) => (i > 0 && c < (run.counts[i - 1] ?? 0) ? i : -1)).filter((i) => i >= 0)
    for (let i = 1; i < downAt.length; i++) t.ok((downAt[i] ?? 0) - (downAt[i - 1] ?? 0) >= 5, 'cooldown and down checks between steps')
  })

  await t.test('a noisy load around a level that fits never oscillates', async (t) => {
    // 3 edges are enough for 250 +- 30: mean 73-93 (below 100), 250/2 = 125 (above 60)
    const trace = Array.from({ length: 300 }, (_, i) => 250 + 30 * Math.sin(i * 1.7))
    const run = simulate(trace, 3)
    t.equal(run.changes, 0)
  })
})
