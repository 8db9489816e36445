// fast-check over the fleet reducer: whatever edges die, hang, fail probes or carry load, and
// whatever launches fail, the fleet's promises hold at every step of a fake clock.
import fc from 'fast-check'
import t from 'tap'
import { activeEdges } from '../../../internal/edges/edge-fleet-reconcile.js'
import type { FleetAction } from '../../../internal/edges/edge-fleet-state.js'
import { BASE_PORT, FleetSim, KIND_WORLD, leftover, POLICY, type World } from './edge-fleet-sim.js'

type Command =
  | { readonly kind: 'die', readonly pick: number }
  | { readonly kind: 'hang', readonly pick: number }
  | { readonly kind: 'round', readonly rps: number, readonly sick: readonly boolean[] }
  | { readonly kind: 'wait', readonly ms: number }
  | { readonly kind: 'stops' }

const command: fc.Arbitrary<Command> = fc.oneof(
  fc.record({ kind: fc.constant('die' as const), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('hang' as const), pick: fc.nat(20) }),
  fc.record({ kind: fc.constant('round' as const), rps: fc.integer({ min: 0, max: 600 }), sick: fc.array(fc.boolean(), { maxLength: 8 }) }),
  fc.record({ kind: fc.constant('wait' as const), ms: fc.integer({ min: 0, max: 40_000 }) }),
  fc.record({ kind: fc.constant('stops' as const) })
)

interface Scenario {
  readonly leftovers: readonly number[]
  readonly replaceOrder: 'start-first' | 'kill-first'
  readonly commands: readonly Command[]
}

const scenario: fc.Arbitrary<Scenario> = fc.record({
  leftovers: fc.uniqueArray(fc.integer({ min: 0, max: 14 }), { maxLength: 7 }),
  replaceOrder: fc.constantFrom('start-first' as const, 'kill-first' as const),
  commands: fc.array(command, { maxLength: 40 })
})

function play (sim: FleetSim, c: Command): void {
  const ports = sim.fleet.edges.map((e) => e.port)
  switch (c.kind) {
    case 'die': {
      const port = ports[c.pick % Math.max(1, ports.length)]
      if (port !== undefined) sim.dead.add(port)
      sim.liveness()
      return
    }
    case 'hang': {
      const port = ports[c.pick % Math.max(1, ports.length)]
      if (port !== undefined) sim.hung(port)
      return
    }
    case 'round':
      sim.fleet = { ...sim.fleet, edges: sim.fleet.edges.map((e) => ({ ...e, loadRps: c.rps / Math.max(1, ports.length) })) }
      sim.round((e) => ({ healthy: c.sick[ports.indexOf(e.port)] !== true, requestsTotal: undefined, probeRequests: 2 }))
      return
    case 'wait': sim.now += c.ms; return
    case 'stops': sim.finishStops()
  }
}

/** Checks every step the simulation ran; returns the first broken promise. */
function broken (sim: FleetSim): string | undefined {
  const { min, max } = POLICY.scale
  const lastKill = new Map<number, 'started' | 'killed'>()
  for (const [i, step] of sim.trace.entries()) {
    const ports = step.fleet.edges.map((e) => e.port)
    if (new Set(ports).size !== ports.length) return `step ${i}: two edges on one port ${ports.join()}`
    if (ports.some((p, j) => j > 0 && p < (ports[j - 1] ?? 0))) return `step ${i}: edges not by port`
    if (ports.some((p) => p < POLICY.basePort || p >= POLICY.basePort + POLICY.portSpan)) return `step ${i}: an edge outside the range`
    if (step.fleet.desired < min || step.fleet.desired > max) return `step ${i}: desired ${step.fleet.desired} outside [${min}, ${max}]`
    if (activeEdges(step.fleet).length > max) return `step ${i}: ${activeEdges(step.fleet).length} active edges, above the maximum`
    for (const action of step.actions) {
      const why = brokenAction(step.fleet, action, lastKill)
      if (why !== undefined) return `step ${i}: ${why}`
    }
  }
  return undefined
}

function brokenAction (fleet: FleetSim['fleet'], action: FleetAction, beside: Map<number, 'started' | 'killed'>): string | undefined {
  switch (action.kind) {
    case 'launch': {
      const held = new Set([...fleet.edges.map((e) => e.port), ...fleet.stopping])
      const clash = action.candidates.find((c) => held.has(c.port))
      return clash === undefined ? undefined : `launch candidate ${clash.port} is held`
    }
    case 'heartbeat': {
      for (const status of action.edges) {
        const edge = fleet.edges.find((e) => e.id === status.id)
        if (edge === undefined) return `heartbeat names ${status.id}, not in the fleet`
        if (edge.state === 'unhealthy') return `heartbeat names unhealthy ${status.id}`
        if ((edge.state === 'draining') !== (status.draining === true)) return `heartbeat marks ${status.id} wrongly`
      }
      return undefined
    }
    case 'start-beside': beside.set(action.port, 'started'); return undefined
    case 'kill-stuck':
      if (beside.get(action.port) !== 'started') return `stuck edge ${action.port} killed before its replacement started`
      beside.set(action.port, 'killed')
      return undefined
    default: return undefined
  }
}

function simulate (s: Scenario, world: World): FleetSim {
  const sim = new FleetSim({ ...POLICY, replaceOrder: s.replaceOrder }, world)
  sim.start(s.leftovers.map((i) => leftover(BASE_PORT + i)))
  for (const c of s.commands) play(sim, c)
  return sim
}

t.test('whatever happens: one edge per port, desired and the active count within bounds, heartbeats honest, stuck edges killed only after their replacement started', async (t) => {
  const world = fc.record({ launchFails: fc.boolean(), besideFails: fc.boolean() })
  fc.assert(fc.property(scenario, world, fc.nat(), (s, w, seed) => {
    let n = seed
    const flaky = (fails: boolean) => () => !fails || (n++ % 3) !== 0
    const sim = simulate(s, { launchOk: flaky(w.launchFails), besideOk: flaky(w.besideFails), portFree: () => true })
    const why = broken(sim)
    if (why !== undefined) throw new Error(why)
  }), { numRuns: 300 })
  t.pass('held')
})

t.test('when every launch succeeds, the active count is the wanted count after everything the fleet goes through', async (t) => {
  fc.assert(fc.property(scenario, (s) => {
    const sim = simulate({ ...s, commands: [] }, KIND_WORLD)
    const check = (what: string): void => {
      const active = activeEdges(sim.fleet).length
      if (active !== sim.fleet.desired) throw new Error(`${what}: ${active} active, ${sim.fleet.desired} wanted`)
      if (active < POLICY.scale.min || active > POLICY.scale.max) throw new Error(`${what}: ${active} active, outside the bounds`)
    }
    check('start')
    for (const c of s.commands) {
      play(sim, c)
      check(c.kind)
    }
    const why = broken(sim)
    if (why !== undefined) throw new Error(why)
  }), { numRuns: 300 })
  t.pass('held')
})
