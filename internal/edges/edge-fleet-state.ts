import type { EdgeStatus } from '../reporter/report-schema.js'
import type { ReplaceOrder } from './edge-hang-detector.js'
import { INITIAL_SCALER_STATE, type ScalePolicy, type ScaleReason, type ScalerState } from './edge-scaler.js'
import type { EdgesConfig } from './edges-config.js'
import type { LoadSample } from './load-meter.js'

/** The data the fleet reducer (edge-fleet.ts) works on: edge states in, facts in, actions out. */

/** live: heartbeated; unhealthy: failing probes, out of the heartbeat; draining: scaled down, still serving what is listed on it. */
export const EDGE_STATES = ['live', 'unhealthy', 'draining'] as const
export type EdgeState = (typeof EDGE_STATES)[number]

/** Why an edge that still runs is replaced: its hang probes went unanswered, or its round probes failed. */
export type StuckReason = 'hung' | 'unhealthy'
export type ReplaceReason = 'exited' | StuckReason

/** What the reducer needs of the configuration: plain data. */
export interface FleetPolicy {
  readonly scale: ScalePolicy
  readonly basePort: number
  readonly portSpan: number
  /** Host the edges are advertised with: it names their ids and URLs. */
  readonly publicHost: string
  readonly drainMs: number
  /** Failed round probes in a row before a running edge is replaced as unhealthy. */
  readonly unhealthyProbes: number
  readonly replaceOrder: ReplaceOrder
}

export function fleetPolicy (config: EdgesConfig, replaceOrder: ReplaceOrder): FleetPolicy {
  return {
    scale: config.scale,
    basePort: config.basePort,
    portSpan: config.portSpan,
    publicHost: config.publicHost,
    drainMs: config.drainMs,
    unhealthyProbes: config.unhealthyProbes,
    replaceOrder
  }
}

/** One edge as the reducer knows it. The shell holds its process beside it, under the same port. */
export interface FleetEdge {
  readonly id: string
  readonly port: number
  readonly url: string
  /** New for every edge that enters the fleet: a verdict on an edge since replaced on its port is stale. */
  readonly serial: number
  readonly state: EdgeState
  /** Taken over from a previous manager. */
  readonly adopted: boolean
  /** Failed round probes in a row. */
  readonly failures: number
  /** Probe requests the manager has sent this edge so far: nginx counts them, the load figure takes them out. */
  readonly ownRequests: number
  readonly lastSample: LoadSample | undefined
  readonly loadRps: number
  /** When a draining edge is stopped (0 unless draining). */
  readonly drainUntil: number
  /** Set while its replacement starts beside it (stuck edges only). */
  readonly replacing?: BesideReplacement
}

export interface BesideReplacement {
  readonly reason: StuckReason
  readonly since: number
  /** Whether the replacement answered; undefined until it has been started. */
  readonly answered?: boolean
}

export interface FleetState {
  /** Sorted by port; at most one edge per port. */
  readonly edges: readonly FleetEdge[]
  /** The count of non-draining edges the scaler wants. */
  readonly desired: number
  readonly scaler: ScalerState
  /** Ports of drained edges still stopping in the background: their socket may still be held. */
  readonly stopping: readonly number[]
  /** Ports whose dead master's worker still serves: a replacement binds beside it (reuseport), untested. */
  readonly handedOver: readonly number[]
  /** Active count before a replacement whose launches are under way: the count change is recorded once they report. */
  readonly replaceBefore: number | undefined
  readonly nextSerial: number
}

export function initialFleet (policy: FleetPolicy): FleetState {
  return { edges: [], desired: policy.scale.min, scaler: INITIAL_SCALER_STATE, stopping: [], handedOver: [], replaceBefore: undefined, nextSerial: 1 }
}

/** An edge record a previous manager left, and whether its processes run and answer (EdgeProcess.adopt). */
export interface Leftover {
  readonly port: number
  readonly id: string
  readonly running: boolean
}

/** One round probe of one edge. */
export interface ProbeFact {
  readonly port: number
  readonly healthy: boolean
  /** nginx's request total from stub_status; undefined when the status page could not be read. */
  readonly requestsTotal: number | undefined
  /** Probe requests sent to the edge since the last round (hang probes and this probe). */
  readonly probeRequests: number
  /** When the status was read. */
  readonly at: number
}

export interface LaunchResult {
  readonly port: number
  readonly ok: boolean
}

/** What the shell saw or did since the last step: one kind per call. */
export type FleetFact =
  /** At start: what a previous manager left in the folder. */
  | { readonly type: 'leftovers', readonly found: readonly Leftover[] }
  /** Ports of edges whose nginx master or watchdog is gone. */
  | { readonly type: 'deaths', readonly dead: readonly number[] }
  | { readonly type: 'probes', readonly results: readonly ProbeFact[] }
  /** An edge judged stuck (hang watch or failed probes), with the ports of every edge dead right now. */
  | { readonly type: 'stuck', readonly port: number, readonly serial: number, readonly reason: StuckReason, readonly dead: readonly number[] }
  /** The outcome of a `launch` action: one result per port picked (fewer than asked when ports ran out). */
  | { readonly type: 'launched', readonly requested: number, readonly results: readonly LaunchResult[] }
  /** The outcome of `start-beside`: whether the replacement answered on the stuck edge's port. */
  | { readonly type: 'beside-started', readonly port: number, readonly ok: boolean }
  /** The outcome of `kill-stuck`: the stuck edge's processes are gone (or given up on). */
  | { readonly type: 'stuck-gone', readonly port: number }
  /** A drained edge finished stopping: its port is free to pick again. */
  | { readonly type: 'drain-stopped', readonly port: number }
  /** End of a round, after probes and replacements: stop drained edges, scale, reconcile. */
  | { readonly type: 'settle' }
  /** After settling: gauges and the heartbeat. */
  | { readonly type: 'report' }

/** A port a launch may take, in order; a handed-over port is taken without testing it is free. */
export interface LaunchCandidate {
  readonly port: number
  readonly handedOver: boolean
}

/** One change of the edge count, for logs, metrics and tests. */
export interface CountChange {
  readonly at: number
  readonly from: number
  readonly to: number
  readonly reason: ScaleReason | 'replace'
}

export interface FleetGauges {
  readonly count: number
  readonly desired: number
  readonly byState: Readonly<Record<EdgeState, number>>
  readonly loadRps: ReadonlyArray<{ readonly id: string, readonly rps: number }>
}

/** Things the reducer wants logged: the shell words them. */
export type FleetNote =
  | { readonly event: 'unhealthy', readonly id: string }
  | { readonly event: 'healthy-again', readonly id: string, readonly failures: number }
  | { readonly event: 'draining', readonly id: string, readonly drainMs: number }
  | { readonly event: 'revived', readonly id: string }
  | { readonly event: 'launch-short', readonly wanted: number, readonly running: number }
  | { readonly event: 'beside-failed', readonly id: string, readonly reason: StuckReason }

/** What the shell is to do, in order. Actions marked "reports" are answered with the fact named. */
export type FleetAction =
  /** An edge entered the fleet: watch it, count its cache log, log it. */
  | { readonly kind: 'serve', readonly port: number, readonly id: string, readonly origin: 'launched' | 'adopted' }
  /** A replacement started beside a stuck edge took its place (the stuck one is gone). */
  | { readonly kind: 'serve-replacement', readonly port: number, readonly id: string, readonly reason: StuckReason, readonly handOverMs: number }
  /** A leftover not taken over: stop it if it runs, forget its record (and its cache when it runs: it is out of range). */
  | { readonly kind: 'discard-leftover', readonly port: number, readonly id: string, readonly running: boolean }
  /** Start `count` edges on the first free candidates. Reports `launched`. */
  | { readonly kind: 'launch', readonly count: number, readonly candidates: readonly LaunchCandidate[] }
  /**
   * An edge leaves the fleet at once: an exited one is released (its orphaned worker serves until
   * the replacement binds beside it), a stuck one killed. `replaced`: a replacement is counted.
   */
  | { readonly kind: 'retire', readonly port: number, readonly id: string, readonly state: EdgeState, readonly reason: ReplaceReason, readonly replaced: boolean }
  /** Judge this edge stuck: the shell adds who is dead right now and steps `stuck`. */
  | { readonly kind: 'replace-stuck', readonly port: number, readonly serial: number, readonly reason: StuckReason }
  /** Start a replacement on a stuck edge's port while it still holds it (reuseport). Reports `beside-started`. */
  | { readonly kind: 'start-beside', readonly port: number, readonly id: string, readonly reason: StuckReason }
  /** Kill a stuck edge whose replacement was started beside it, and wait until it is gone. Reports `stuck-gone`. */
  | { readonly kind: 'kill-stuck', readonly port: number, readonly id: string, readonly reason: StuckReason }
  /** Stop a drained edge in the background and remove its folder. Reports `drain-stopped`. */
  | { readonly kind: 'stop-drained', readonly port: number, readonly id: string }
  | { readonly kind: 'scaled', readonly direction: 'up' | 'down', readonly from: number, readonly to: number, readonly totalRps: number, readonly targetRps: number }
  | { readonly kind: 'count-change', readonly change: CountChange }
  | { readonly kind: 'note', readonly note: FleetNote }
  | { readonly kind: 'gauges', readonly gauges: FleetGauges }
  /** Announce these edges to the reporter (never empty). */
  | { readonly kind: 'heartbeat', readonly edges: readonly EdgeStatus[] }

export interface FleetStep {
  readonly fleet: FleetState
  readonly actions: readonly FleetAction[]
}
