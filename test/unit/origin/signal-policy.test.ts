// The origin's failover policy as a pure step, driven by a fake clock (signal-policy-sim.ts).
import t, { type Test } from 'tap'
import { findOutputSegment, lastOutputMsn } from '../../../internal/hls/signal-timeline.js'
import { FIRST_SOURCE_ONLY } from '../../../internal/origin/failover-strategy.js'
import { healthOptions, segmentCandidates } from '../../../internal/origin/signal-policy.js'
import { EMPTY_SIGNAL_POLICY } from '../../../internal/origin/signal-policy-state.js'
import { A, B, downDuring, epochPackager, failovers, freePackager, frozenFrom, policyOptions, simulate, type Packager, type Simulation } from './signal-policy-sim.js'

const T0 = 1_000_000

function stateAt (sim: Simulation, at: number): Simulation['state'] {
  const found = sim.history.find((h) => h.at === at)
  if (found === undefined) throw new Error(`no step at ${at}`)
  return found.state
}

function kinds (sim: Simulation, kind: string): number {
  return sim.events.filter(({ event }) => event.kind === kind).length
}

/** Output MSNs grow by one per appended entry and are never taken back. */
function assertOutputOnlyGrows (t: Test, sim: Simulation): void {
  let previous: number | undefined
  for (const { state } of sim.history) {
    const last = lastOutputMsn(state.timeline)
    if (previous !== undefined && last !== undefined && last < previous) t.fail(`output went back from ${previous} to ${last}`)
    if (last !== undefined) previous = last
  }
}

t.test('a packager that stops advancing is stale: the output fails over and goes on without a gap', async (t) => {
  const sim = simulate({ packagers: { [A]: frozenFrom(epochPackager(), T0 + 20_000), [B]: epochPackager() } })
  sim.runUntil(T0 + 40_000)
  // it last advanced at 20 s: stale once newest duration (2 s) + 1 target duration (2 s) passed
  t.same(failovers(sim), [{ at: T0 + 24_500, from: A, to: B, reason: 'stale: playlist stopped advancing' }])
  t.match(stateAt(sim, T0 + 24_000).verdicts[A], { up: true, eligible: true }, 'not stale before then')
  t.equal(kinds(sim, 'gap'), 0)
  t.equal(kinds(sim, 'stitch'), 0)
  t.equal(lastOutputMsn(sim.state.timeline), Math.floor((T0 + 40_000) / 2000) - 1, 'the output is at the live edge')
  assertOutputOnlyGrows(t, sim)
})

t.test('a playlist left on disk is stale from its first poll; a clock elsewhere counts only until the packager is seen advancing', async (t) => {
  const options = policyOptions({ maxPlaylistAgeMs: 10_000 })
  const leftOnDisk = frozenFrom(epochPackager(), T0 - 60_000)
  const clockAnHourBehind = epochPackager({ pdtShiftMs: -3_600_000 })
  const sim = simulate({ packagers: { [A]: leftOnDisk, [B]: clockAnHourBehind }, options })
  sim.runUntil(T0 + 10_000)
  const first = stateAt(sim, T0)
  t.match(first.verdicts[A], { up: false, reason: /^stale: newest segment ended 6\d s ago$/ })
  t.match(first.verdicts[B], { up: false, reason: /^stale: newest segment ended 36\d\d s ago$/ })
  t.equal(lastOutputMsn(first.timeline), undefined, 'no output from either')
  t.same(sim.state.advancing, { [B]: true }, 'B advanced; A never does')
  t.match(sim.state.verdicts[A], { up: false, reason: /^stale: newest segment ended/ })
  t.match(sim.state.verdicts[B], { up: true, eligible: true })
  t.equal(sim.state.activeSource, B)
  const becameActive = sim.events.find(({ event }) => event.kind === 'active-source')
  t.ok(becameActive !== undefined && becameActive.at <= T0 + 2000, 'taken within one segment of its first advance')
  t.equal(failovers(sim).length, 0)
})

t.test('a recovered packager is held for RECOVERY_HOLD; the hold doubles when it falls again', async (t) => {
  const flapping = downDuring(downDuring(epochPackager(), T0 + 10_000, T0 + 14_000), T0 + 24_000, T0 + 26_000)
  const sim = simulate({ packagers: { [A]: flapping, [B]: epochPackager() } })
  sim.runUntil(T0 + 40_000)
  t.same(failovers(sim), [{ at: T0 + 10_000, from: A, to: B, reason: 'ECONNREFUSED' }], 'one failover; B stays active after A is back')
  t.same(stateAt(sim, T0 + 19_500).verdicts[A], { up: true, eligible: false, reason: 'held after recovery', eligibleAt: T0 + 20_000 }, 'up at 14 s, held 6 s')
  t.same(stateAt(sim, T0 + 20_000).verdicts[A], { up: true, eligible: true })
  t.same(stateAt(sim, T0 + 37_500).verdicts[A], { up: true, eligible: false, reason: 'held after recovery', eligibleAt: T0 + 38_000 }, 'up at 26 s, held 12 s')
  t.same(stateAt(sim, T0 + 38_000).verdicts[A], { up: true, eligible: true })
  t.equal(kinds(sim, 'gap'), 0)
  assertOutputOnlyGrows(t, sim)
})

t.test('RECOVERY_HOLD is a duration whatever the target duration: one conversion, from the stream\'s own', async (t) => {
  for (const segMs of [1000, 2000, 4000]) {
    const sim = simulate({ packagers: { [A]: downDuring(epochPackager({ segMs }), T0 + 12_000, T0 + 16_000), [B]: epochPackager({ segMs }) } })
    sim.runUntil(T0 + 30_000)
    const held = sim.history.find(({ state }) => state.verdicts[A]?.reason === 'held after recovery')
    t.equal(held?.state.verdicts[A]?.eligibleAt, T0 + 16_000 + 6000, `TD ${segMs / 1000} s: eligible 6 s after it came back`)
  }
  const options = policyOptions({ recoveryHoldMs: 6000 })
  t.equal(healthOptions(EMPTY_SIGNAL_POLICY, options).holdTargetDurations, 3, 'before anything is known: the default target duration')
  const reported = { ...EMPTY_SIGNAL_POLICY, health: { sources: { [A]: { up: true, everDown: false, downs: [], targetDurationMs: 1000 } } } }
  t.equal(healthOptions(reported, options).holdTargetDurations, 6, 'before the first output: the target duration the packagers report')
  t.equal(healthOptions(EMPTY_SIGNAL_POLICY, policyOptions({ recoveryHoldMs: 500 })).holdTargetDurations, 1, 'never under one target duration')
})

t.test('the reporter going away: its view only narrowed the choice, the packagers it left out serve again', async (t) => {
  const reporter = (now: number): readonly string[] | undefined => now < T0 + 10_000 ? [B] : undefined
  const sim = simulate({ packagers: { [A]: epochPackager(), [B]: downDuring(epochPackager(), T0 + 20_000, Infinity) }, reporter })
  sim.runUntil(T0 + 30_000)
  t.equal(stateAt(sim, T0 + 8000).timeline.preferredSourceId, B, 'while the reporter lists only B, new segments come from B')
  t.equal(stateAt(sim, T0 + 8000).activeSource, B)
  t.same(failovers(sim), [{ at: T0 + 20_000, from: B, to: A, reason: 'ECONNREFUSED' }])
  t.equal(kinds(sim, 'gap'), 0)
  t.equal(lastOutputMsn(sim.state.timeline), Math.floor((T0 + 30_000) / 2000) - 1)
})

t.test('a reporter that still lists only a dead packager never leaves the output without a source', async (t) => {
  const sim = simulate({ packagers: { [A]: epochPackager(), [B]: downDuring(epochPackager(), T0 + 20_000, Infinity) }, reporter: () => [B] })
  sim.runUntil(T0 + 30_000)
  t.same(failovers(sim), [{ at: T0 + 20_000, from: B, to: A, reason: 'ECONNREFUSED' }])
  t.equal(lastOutputMsn(sim.state.timeline), Math.floor((T0 + 30_000) / 2000) - 1)
})

t.test('epoch-locked packagers are a union: whichever lists a segment first provides it, with no failover', async (t) => {
  const on = epochPackager()
  const slow = epochPackager({ lag: 2 })
  const slowFrom10s: Packager = (now) => now < T0 + 10_000 ? on(now) : slow(now)
  const sim = simulate({ packagers: { [A]: slowFrom10s, [B]: epochPackager({ lag: 1 }) } })
  sim.runUntil(T0 + 20_000)
  t.equal(sim.state.activeSource, A, 'A stays active: it never stopped being eligible')
  t.equal(failovers(sim).length, 0)
  t.equal(lastOutputMsn(sim.state.timeline), Math.floor((T0 + 20_000) / 2000) - 2, 'the output is at B\'s newest, one ahead of A')
  const both = findOutputSegment(sim.state.timeline, 'hi', `${Math.floor((T0 + 20_000) / 2000) - 3}.ts`)
  t.same(both?.candidates.map((c) => c.sourceId), [B, A], 'a segment both list can be fetched from either')
  t.same(segmentCandidates(sim.state, policyOptions(), 'hi', `${Math.floor((T0 + 20_000) / 2000) - 3}.ts`)?.map((c) => c.sourceId), [A, B], 'the active packager is asked first')
  t.equal(kinds(sim, 'stitch') + kinds(sim, 'gap'), 0)
})

t.test('a packager whose timeline does not line up is stitched in with a discontinuity', async (t) => {
  const sim = simulate({ packagers: { [A]: downDuring(epochPackager(), T0 + 20_000, Infinity), [B]: freePackager(T0 + 5_000) } })
  sim.runUntil(T0 + 34_000)
  t.same(failovers(sim), [{ at: T0 + 20_000, from: A, to: B, reason: 'ECONNREFUSED' }])
  const stitches = sim.events.filter(({ event }) => event.kind === 'stitch')
  t.equal(stitches.length, 1)
  t.match(stitches[0], { at: T0 + 20_500, event: { count: 1, report: { [B]: { aligned: true, usable: true } } } })
  t.ok(stateAt(sim, T0 + 20_500).timeline.entries.some((e) => e.discontinuity), 'the output lists the discontinuity')
  const newest = sim.state.timeline.entries[sim.state.timeline.entries.length - 1]
  t.match(newest?.renditions.hi?.candidates, [{ sourceId: B, uri: /^free\d+\.ts$/ }], 'new segments are B\'s, under its own names')
  assertOutputOnlyGrows(t, sim)
})

t.test('the no-failover control: the first packager alone, so its faults reach the players', async (t) => {
  const packagers = { [A]: downDuring(epochPackager(), T0 + 20_000, Infinity), [B]: epochPackager() }
  const control = simulate({ packagers, options: policyOptions({ failover: FIRST_SOURCE_ONLY }) })
  control.runUntil(T0 + 40_000)
  const frozenAt = lastOutputMsn(stateAt(control, T0 + 19_500).timeline)
  t.equal(lastOutputMsn(control.state.timeline), frozenAt, 'the output stops with A')
  t.ok(control.state.timeline.entries.every((e) => e.renditions.hi?.candidates[0]?.sourceId === A), 'every segment was taken from A')
  t.same(segmentCandidates(control.state, policyOptions({ failover: FIRST_SOURCE_ONLY }), 'hi', `${frozenAt}.ts`), [{ sourceId: A, uri: `${frozenAt}.ts` }], 'segments are fetched from A alone')
  const product = simulate({ packagers })
  product.runUntil(T0 + 40_000)
  t.equal(lastOutputMsn(product.state.timeline), Math.floor((T0 + 40_000) / 2000) - 1, 'with failover the same faults do not show')
})
