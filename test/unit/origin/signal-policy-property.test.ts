// fast-check over advanceSignal: whatever the packagers and the reporter do, the policy's
// promises hold at every step of a fake clock.
import t from 'tap'
import fc from 'fast-check'
import { lastOutputMsn } from '../../../internal/hls/signal-timeline.js'
import { FIRST_SOURCE_ONLY } from '../../../internal/origin/failover-strategy.js'
import { segmentCandidates } from '../../../internal/origin/signal-policy.js'
import { A, B, downDuring, epochPackager, freePackager, frozenFrom, policyOptions, simulate, type Packager } from './signal-policy-sim.js'

const T0 = 1_000_000
const RUN_MS = 60_000

type Fault = { readonly kind: 'down' | 'frozen', readonly from: number, readonly length: number }

const fault = fc.record({
  kind: fc.constantFrom<'down' | 'frozen'>('down', 'frozen'),
  from: fc.integer({ min: 0, max: RUN_MS }),
  length: fc.integer({ min: 500, max: 20_000 })
})

/** A packager living through its faults: down answers an error, frozen answers its playlist as it was. */
function withFaults (healthy: Packager, faults: readonly Fault[]): Packager {
  return (now) => {
    const active = faults.find((f) => now >= T0 + f.from && now < T0 + f.from + f.length)
    if (active === undefined) return healthy(now)
    return active.kind === 'down' ? downDuring(healthy, -Infinity, Infinity)(now) : frozenFrom(healthy, T0 + active.from)(now)
  }
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  faultsA: fc.array(fault, { maxLength: 4 }),
  faultsB: fc.array(fault, { maxLength: 4 }),
  // B epoch-locked like A, or an encoder of its own that has to be stitched in
  bLocked: fc.boolean(),
  reporterViews: fc.array(fc.constantFrom<readonly string[] | undefined>(undefined, [A], [B], [A, B], []), { minLength: 1, maxLength: 6 })
})

interface Scenario {
  readonly faultsA: readonly Fault[]
  readonly faultsB: readonly Fault[]
  readonly bLocked: boolean
  readonly reporterViews: ReadonlyArray<readonly string[] | undefined>
}

function run (s: Scenario, failover = policyOptions().failover): ReturnType<typeof simulate> {
  const sim = simulate({
    packagers: { [A]: withFaults(epochPackager(), s.faultsA), [B]: withFaults(s.bLocked ? epochPackager() : freePackager(T0 - 7_000), s.faultsB) },
    options: policyOptions({ failover }),
    reporter: (now) => s.reporterViews[Math.floor((now - T0) / 10_000) % s.reporterViews.length]
  })
  sim.runUntil(T0 + RUN_MS)
  return sim
}

t.test('the output only grows; the active packager is always one the health verdicts allow; the state is plain data', async (t) => {
  fc.assert(fc.property(scenario, (s) => {
    const sim = run(s)
    let previous: number | undefined
    let active: string | undefined
    for (const { at, state } of sim.history) {
      const last = lastOutputMsn(state.timeline)
      if (previous !== undefined && (last === undefined || last < previous)) return false
      previous = last ?? previous
      for (const { event } of sim.events.filter((e) => e.at === at)) {
        if (event.kind !== 'active-source') continue
        if (state.verdicts[event.to]?.eligible !== true) return false
        if (event.from !== undefined && (event.from !== active || state.verdicts[event.from]?.eligible === true)) return false
        active = event.to
      }
      if (state.activeSource !== active) return false
      const entries = state.timeline.entries
      if (entries.some((e, i) => i > 0 && e.msn !== (entries[i - 1]?.msn ?? NaN) + 1)) return false
    }
    return JSON.stringify(JSON.parse(JSON.stringify(sim.state))) === JSON.stringify(sim.state)
  }), { numRuns: 40 })
  t.pass('held in all 40 generated scenarios')
})

t.test('pure: the same observations at the same times give the same states and events', async (t) => {
  fc.assert(fc.property(scenario, (s) => {
    const one = run(s)
    const two = run(s)
    return JSON.stringify(one.events) === JSON.stringify(two.events) && JSON.stringify(one.state) === JSON.stringify(two.state)
  }), { numRuns: 15 })
  t.pass('held in all 15 generated scenarios')
})

t.test('the no-failover control never takes a segment from, or sends a player to, another packager', async (t) => {
  fc.assert(fc.property(scenario, (s) => {
    const sim = run(s, FIRST_SOURCE_ONLY)
    const options = policyOptions({ failover: FIRST_SOURCE_ONLY })
    for (const { state } of sim.history) {
      for (const entry of state.timeline.entries) {
        if (entry.gap === true) continue
        if (entry.renditions.hi?.candidates[0]?.sourceId !== A) return false
        const asked = segmentCandidates(state, options, 'hi', entry.renditions.hi.name) ?? []
        if (asked.some((c) => c.sourceId !== A)) return false
      }
    }
    return true
  }), { numRuns: 30 })
  t.pass('held in all 30 generated scenarios')
})
