// The fleet reducer on a fake clock: replacement, replace-beside, drain, hand-over and adoption,
// decided without nginx. test/integration/edges-*.test.ts prove the same against real nginx.
import t from 'tap'
import { stepFleet } from '../../../internal/edges/edge-fleet.js'
import { heartbeatList } from '../../../internal/edges/edge-fleet-reconcile.js'
import { initialFleet, type FleetAction } from '../../../internal/edges/edge-fleet-state.js'
import { BASE_PORT, FleetSim, KIND_WORLD, leftover, POLICY } from './edge-fleet-sim.js'

const P0 = BASE_PORT
const P1 = BASE_PORT + 1
const P2 = BASE_PORT + 2

const kinds = (actions: readonly FleetAction[]): string[] => actions.map((a) => a.kind === 'note' ? `note:${a.note.event}` : a.kind)

t.test('a fresh start launches EDGES_MIN edges from the base port', async (t) => {
  const sim = new FleetSim().start()
  t.same(kinds(sim.actions()), ['launch', 'serve', 'serve'])
  const launch = sim.actions()[0] as Extract<FleetAction, { kind: 'launch' }>
  t.equal(launch.count, 2)
  t.same(launch.candidates.slice(0, 2), [{ port: P0, handedOver: false }, { port: P1, handedOver: false }])
  t.same(sim.fleet.edges.map((e) => [e.port, e.state, e.id, e.url]), [
    [P0, 'live', `edge-${P0}`, `http://127.0.0.1:${P0}`], [P1, 'live', `edge-${P1}`, `http://127.0.0.1:${P1}`]
  ])
})

t.test('a dead edge is replaced on its own port, handed over to the replacement', async (t) => {
  const sim = new FleetSim().start()
  const before = sim.edge(P0)
  sim.dead.add(P0)
  const from = sim.trace.length
  sim.liveness()
  t.same(kinds(sim.actions(from)), ['retire', 'launch', 'serve', 'gauges'], 'retired, launched, served; the count did not change')
  const [retire, launch] = sim.actions(from) as [Extract<FleetAction, { kind: 'retire' }>, Extract<FleetAction, { kind: 'launch' }>]
  t.match(retire, { port: P0, reason: 'exited', replaced: true })
  t.same(launch.candidates[0], { port: P0, handedOver: true }, 'the dead port first, taken without testing (its orphaned worker still holds it)')
  t.equal(launch.count, 1)
  t.not(sim.edge(P0)?.serial, before?.serial, 'a new edge on the same port')
  t.same(sim.fleet.handedOver, [], 'the hand-over is used up')
  t.equal(sim.edge(P0)?.url, before?.url, 'same URL')
})

t.test('a dead edge whose replacement fails to start: the count change is recorded, the next round retries', async (t) => {
  const sim = new FleetSim(POLICY, { ...KIND_WORLD, launchOk: (port) => port !== P0 })
  sim.start()
  t.equal(sim.active, 1, 'P0 never started')
  sim.world = KIND_WORLD
  sim.now += 1000
  sim.round()
  t.equal(sim.active, 2, 'the round launches what is missing')
  sim.world = { ...KIND_WORLD, launchOk: () => false }
  sim.dead.add(P1)
  const from = sim.trace.length
  sim.liveness()
  const actions = sim.actions(from)
  t.same(kinds(actions), ['retire', 'launch', 'note:launch-short', 'count-change', 'gauges'])
  t.match(actions[3], { change: { from: 2, to: 1, reason: 'replace', at: sim.now } })
  t.same(sim.fleet.handedOver, [], 'the handed-over port was tried')
})

t.test('a draining edge that dies is not replaced', async (t) => {
  const sim = new FleetSim().start()
  sim.fleet = { ...sim.fleet, edges: sim.fleet.edges.map((e) => e.port === P1 ? { ...e, state: 'draining', drainUntil: sim.now + 30_000 } : e), desired: 1 }
  sim.dead.add(P1)
  const from = sim.trace.length
  sim.liveness()
  t.same(kinds(sim.actions(from)), ['retire', 'gauges'])
  t.match(sim.actions(from)[0], { replaced: false, state: 'draining' })
  t.same(sim.fleet.edges.map((e) => e.port), [P0])
})

t.test('a hung edge is replaced beside itself: killed only once the replacement answered', async (t) => {
  const sim = new FleetSim().start()
  const old = sim.edge(P0)
  const step1 = stepFleet(POLICY, sim.fleet, { type: 'stuck', port: P0, serial: old?.serial ?? 0, reason: 'hung', dead: [] }, sim.now)
  t.same(kinds(step1.actions), ['start-beside'], 'first only the replacement starts; nothing is killed')
  t.equal(step1.fleet.edges.find((e) => e.port === P0)?.serial, old?.serial, 'the hung edge stays in the fleet meanwhile')
  const step2 = stepFleet(POLICY, step1.fleet, { type: 'beside-started', port: P0, ok: true }, sim.now + 40)
  t.same(kinds(step2.actions), ['kill-stuck'], 'the replacement answered: now the hung edge is killed')
  const step3 = stepFleet(POLICY, step2.fleet, { type: 'stuck-gone', port: P0 }, sim.now + 60)
  t.same(kinds(step3.actions), ['serve-replacement', 'gauges'])
  t.match(step3.actions[0], { port: P0, reason: 'hung', handOverMs: 60 })
  const now = step3.fleet.edges.find((e) => e.port === P0)
  t.not(now?.serial, old?.serial)
  t.equal(now?.state, 'live')
  t.equal(now?.replacing, undefined)
  t.same(step3.fleet.edges.map((e) => e.port), [P0, P1], 'the edge set did not change')
  // a second verdict on the edge that was replaced is stale
  t.same(stepFleet(POLICY, step3.fleet, { type: 'stuck', port: P0, serial: old?.serial ?? 0, reason: 'hung', dead: [] }, sim.now).actions, [])
  // a second verdict while the replacement is under way is ignored
  t.same(stepFleet(POLICY, step1.fleet, { type: 'stuck', port: P0, serial: old?.serial ?? 0, reason: 'unhealthy', dead: [] }, sim.now).actions, [])
})

t.test('a replacement beside a hung edge that does not start: the hung edge is killed anyway and its port launched anew', async (t) => {
  const sim = new FleetSim(POLICY, { ...KIND_WORLD, besideOk: () => false }).start()
  const from = sim.trace.length
  sim.hung(P0)
  t.same(kinds(sim.actions(from)), ['start-beside', 'kill-stuck', 'note:beside-failed', 'launch', 'serve', 'gauges'])
  const launch = sim.actions(from)[3] as Extract<FleetAction, { kind: 'launch' }>
  t.same(launch.candidates[0], { port: P0, handedOver: false }, 'its port preferred, tested free (the killed group is gone)')
  t.equal(sim.active, 2)
})

t.test('kill-first (the old order) kills the hung edge, then launches on its port', async (t) => {
  const sim = new FleetSim({ ...POLICY, replaceOrder: 'kill-first' }).start()
  const from = sim.trace.length
  sim.hung(P0)
  t.same(kinds(sim.actions(from)), ['retire', 'launch', 'serve', 'gauges'])
  t.match(sim.actions(from)[0], { reason: 'hung', replaced: true })
  t.same(sim.fleet.handedOver, [], 'a killed edge is not handed over')
})

t.test('a stuck edge found dead is replaced as dead, with every other dead edge', async (t) => {
  const sim = new FleetSim().start()
  sim.dead.add(P0)
  sim.dead.add(P1)
  const from = sim.trace.length
  sim.hung(P0)
  const actions = sim.actions(from)
  t.same(kinds(actions), ['retire', 'retire', 'launch', 'serve', 'serve', 'gauges'])
  t.match(actions[0], { reason: 'exited' })
})

t.test('failed round probes: out of the heartbeat at once, replaced beside after EDGE_UNHEALTHY_PROBES', async (t) => {
  const sim = new FleetSim().start()
  const sick = (port: number) => (e: { port: number }) => e.port === port ? { healthy: false, requestsTotal: undefined, probeRequests: 1 } : { healthy: true, requestsTotal: undefined, probeRequests: 2 }
  let from = sim.trace.length
  sim.round(sick(P1))
  t.ok(kinds(sim.actions(from)).includes('note:unhealthy'))
  t.equal(sim.edge(P1)?.state, 'unhealthy')
  t.same(heartbeatList(sim.fleet).map((e) => e.id), [`edge-${P0}`], 'an unhealthy edge is not announced')
  sim.round(sick(P1))
  from = sim.trace.length
  sim.round(sick(P1))
  t.same(kinds(sim.actions(from)).slice(0, 4), ['replace-stuck', 'start-beside', 'kill-stuck', 'serve-replacement'], 'the third failure in a row')
  t.equal(sim.edge(P1)?.state, 'live')
  t.equal(sim.edge(P1)?.failures, 0)
})

t.test('an unhealthy edge that answers again is live again', async (t) => {
  const sim = new FleetSim().start()
  sim.round((e) => ({ healthy: e.port !== P0, requestsTotal: undefined, probeRequests: 1 }))
  const from = sim.trace.length
  sim.round()
  t.ok(kinds(sim.actions(from)).includes('note:healthy-again'))
  t.equal(sim.edge(P0)?.state, 'live')
})

t.test('load: requests per second from stub_status deltas, the manager\'s own probes taken out', async (t) => {
  const sim = new FleetSim().start()
  sim.round(() => ({ healthy: true, requestsTotal: 100, probeRequests: 2 }))
  sim.now += 2000
  sim.round(() => ({ healthy: true, requestsTotal: 302, probeRequests: 2 }))
  t.equal(sim.edge(P0)?.loadRps, 100, '(302 - 100 - 2 own) / 2 s')
})

/** Every edge reads `rps` (round probes without a status page leave the figure as it is). */
function load (sim: FleetSim, rps: number): void {
  sim.fleet = { ...sim.fleet, edges: sim.fleet.edges.map((e) => ({ ...e, loadRps: rps })) }
}

t.test('scale down: the newest edge drains (announced as draining), then is stopped after the drain time', async (t) => {
  const sim = new FleetSim().start()
  load(sim, 125)
  sim.round()
  t.equal(sim.active, 3, 'scaled up to meet the load')
  t.match(sim.history(), [{ from: 2, to: 3, reason: 'load-high' }])
  load(sim, 0)
  const from = sim.trace.length
  sim.round()
  t.same(kinds(sim.actions(from)).filter((k) => k !== 'gauges' && k !== 'heartbeat'), ['scaled', 'count-change', 'note:draining'])
  t.equal(sim.edge(P2)?.state, 'draining')
  t.equal(sim.edge(P2)?.drainUntil, sim.now + POLICY.drainMs)
  t.match(heartbeatList(sim.fleet).find((e) => e.id === `edge-${P2}`), { draining: true }, 'still announced, marked draining')
  sim.now += POLICY.drainMs - 1
  sim.round()
  t.equal(sim.edge(P2)?.state, 'draining', 'not before the drain time')
  sim.now += 1
  const stop = sim.trace.length
  sim.round()
  t.ok(kinds(sim.actions(stop)).includes('stop-drained'))
  t.equal(sim.edge(P2), undefined)
  t.same(sim.fleet.stopping, [P2])
  load(sim, 125)
  const up = sim.trace.length
  sim.round()
  const launch = sim.actions(up).find((a) => a.kind === 'launch')
  t.ok(launch?.kind === 'launch' && !launch.candidates.some((c) => c.port === P2), 'a port still stopping is not picked')
  t.equal(sim.edge(BASE_PORT + 3)?.state, 'live')
  sim.finishStops()
  t.same(sim.fleet.stopping, [])
})

t.test('scale up takes a draining edge back before launching a new one', async (t) => {
  const sim = new FleetSim().start()
  load(sim, 125)
  sim.round()
  load(sim, 0)
  sim.round()
  t.equal(sim.edge(P2)?.state, 'draining')
  load(sim, 100)
  const from = sim.trace.length
  sim.round()
  t.ok(kinds(sim.actions(from)).includes('note:revived'))
  t.notOk(kinds(sim.actions(from)).includes('launch'))
  t.equal(sim.edge(P2)?.state, 'live')
  t.equal(sim.edge(P2)?.drainUntil, 0)
})

t.test('adoption: running edges in range under our id are taken over; the rest discarded', async (t) => {
  const sim = new FleetSim().start([
    leftover(P0), leftover(P1, false), leftover(BASE_PORT + 50), leftover(P2, true, 'edge-other-host-8102'), leftover(BASE_PORT + 3)
  ])
  const actions = sim.actions()
  t.same(actions.filter((a) => a.kind === 'serve').map((a) => a.kind === 'serve' && [a.port, a.origin]), [[P0, 'adopted'], [BASE_PORT + 3, 'adopted']])
  t.same(actions.filter((a) => a.kind === 'discard-leftover').map((a) => a.kind === 'discard-leftover' && [a.port, a.running]), [[P1, false], [BASE_PORT + 50, true], [P2, true]])
  t.same(sim.fleet.edges.map((e) => [e.port, e.adopted]), [[P0, true], [BASE_PORT + 3, true]])
  t.equal(sim.fleet.desired, 2)
  t.notOk(actions.some((a) => a.kind === 'launch'), 'two adopted edges are EDGES_MIN already')
})

t.test('adoption: more edges than the minimum stay; more than the maximum drain', async (t) => {
  const three = new FleetSim().start([leftover(P0), leftover(P1), leftover(P2)])
  t.equal(three.fleet.desired, 3, 'the wanted count rises to what was adopted')
  t.equal(three.active, 3)
  const six = new FleetSim().start([0, 1, 2, 3, 4, 5].map((i) => leftover(BASE_PORT + i)))
  t.equal(six.fleet.desired, POLICY.scale.max)
  t.same(six.fleet.edges.filter((e) => e.state === 'draining').map((e) => e.port), [BASE_PORT + 4, BASE_PORT + 5], 'the newest drain')
})

t.test('the initial fleet is empty and wants EDGES_MIN', async (t) => {
  const fleet = initialFleet(POLICY)
  t.same(fleet.edges, [])
  t.equal(fleet.desired, POLICY.scale.min)
})
