// A fake shell around the fleet reducer: it carries actions out against a scripted world and
// feeds their outcomes back the way EdgesService does (depth first, before the next action).
import { stepFleet } from '../../../internal/edges/edge-fleet.js'
import { activeEdges } from '../../../internal/edges/edge-fleet-reconcile.js'
import {
  initialFleet, type CountChange, type FleetAction, type FleetEdge, type FleetFact, type FleetPolicy, type FleetState, type Leftover, type ProbeFact
} from '../../../internal/edges/edge-fleet-state.js'
import { edgeId } from '../../../internal/edges/edge-naming.js'

export const BASE_PORT = 8100

export const POLICY: FleetPolicy = {
  scale: { min: 2, max: 4, targetRps: 100, upAfterChecks: 1, downAfterChecks: 1, downRatio: 0.6, cooldownMs: 0 },
  basePort: BASE_PORT,
  portSpan: 10,
  publicHost: '127.0.0.1',
  drainMs: 30_000,
  unhealthyProbes: 3,
  replaceOrder: 'start-first'
}

export interface World {
  /** Whether a launch on `port` becomes healthy. */
  launchOk: (port: number) => boolean
  /** Whether a port not handed over is free to bind. */
  portFree: (port: number) => boolean
  /** Whether a replacement started beside a stuck edge answers. */
  besideOk: (port: number) => boolean
}

export const KIND_WORLD: World = { launchOk: () => true, portFree: () => true, besideOk: () => true }

/** Every step it ran: the fact, and the actions it returned. */
export interface Trace { readonly fact: FleetFact, readonly actions: readonly FleetAction[], readonly fleet: FleetState }

export class FleetSim {
  fleet: FleetState
  now = 1_000_000
  readonly trace: Trace[] = []
  /** Drained edges still stopping: finishStops() reports them. */
  readonly stopping: number[] = []
  /** Ports of edges the world has killed (the shell's liveness check sees them). */
  readonly dead = new Set<number>()

  constructor (readonly policy: FleetPolicy = POLICY, public world: World = KIND_WORLD) {
    this.fleet = initialFleet(policy)
  }

  /** Steps one fact and everything its actions report, as the service's #run does. */
  run (fact: FleetFact): void {
    const step = stepFleet(this.policy, this.fleet, fact, this.now)
    this.fleet = step.fleet
    this.trace.push({ fact, actions: step.actions, fleet: step.fleet })
    for (const action of step.actions) {
      const outcome = this.#carryOut(action)
      if (outcome !== undefined) this.run(outcome)
    }
  }

  start (leftovers: readonly Leftover[] = []): this {
    this.run({ type: 'leftovers', found: leftovers })
    return this
  }

  /** The shell's liveness check: the edges the world killed. */
  liveness (): void {
    this.run({ type: 'deaths', dead: this.#deadInFleet() })
  }

  hung (port: number): void {
    const edge = this.edge(port)
    if (edge === undefined) throw new Error(`no edge on ${port}`)
    this.run({ type: 'stuck', port, serial: edge.serial, reason: 'hung', dead: this.#deadInFleet() })
  }

  /** A whole round: deaths, probes (`probe` answers for each edge), settle, report. */
  round (probe: (edge: FleetEdge) => Omit<ProbeFact, 'port' | 'at'> = () => ({ healthy: true, requestsTotal: undefined, probeRequests: 2 })): void {
    this.liveness()
    this.run({ type: 'probes', results: this.fleet.edges.map((e) => ({ ...probe(e), port: e.port, at: this.now })) })
    this.run({ type: 'settle' })
    this.run({ type: 'report' })
  }

  finishStops (): void {
    for (const port of this.stopping.splice(0)) this.run({ type: 'drain-stopped', port })
  }

  edge (port: number): FleetEdge | undefined {
    return this.fleet.edges.find((e) => e.port === port)
  }

  get active (): number {
    return activeEdges(this.fleet).length
  }

  /** The count changes, as the shell's history keeps them. */
  history (): CountChange[] {
    return this.actions().flatMap((a) => a.kind === 'count-change' ? [a.change] : [])
  }

  /** Every action since trace index `from`, in the order the shell carried them out. */
  actions (from = 0): FleetAction[] {
    return this.trace.slice(from).flatMap((s) => s.actions)
  }

  #deadInFleet (): number[] {
    return this.fleet.edges.filter((e) => this.dead.has(e.port)).map((e) => e.port)
  }

  #carryOut (action: FleetAction): FleetFact | undefined {
    switch (action.kind) {
      case 'launch': {
        const picked: number[] = []
        for (const c of action.candidates) {
          if (picked.length === action.count) break
          if (c.handedOver || this.world.portFree(c.port)) picked.push(c.port)
        }
        for (const port of picked) this.dead.delete(port)
        return { type: 'launched', requested: action.count, results: picked.map((port) => ({ port, ok: this.world.launchOk(port) })) }
      }
      case 'replace-stuck': return { type: 'stuck', port: action.port, serial: action.serial, reason: action.reason, dead: this.#deadInFleet() }
      case 'start-beside': return { type: 'beside-started', port: action.port, ok: this.world.besideOk(action.port) }
      case 'kill-stuck': return { type: 'stuck-gone', port: action.port }
      case 'stop-drained': this.stopping.push(action.port); return undefined
      default: return undefined
    }
  }
}

export function leftover (port: number, running = true, id = edgeId(POLICY.publicHost, port)): Leftover {
  return { port, id, running }
}
