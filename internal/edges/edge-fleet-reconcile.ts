import type { EdgeStatus } from '../reporter/report-schema.js'
import { decideScale } from './edge-scaler.js'
import {
  EDGE_STATES, type EdgeState, type FleetAction, type FleetEdge, type FleetGauges, type FleetPolicy, type FleetState, type FleetStep, type LaunchCandidate
} from './edge-fleet-state.js'
import { edgeId, edgePublicUrl } from './edge-naming.js'

/** The parts of the fleet reducer that keep the count right: reconcile, drains, scaling, and what is reported. */

/** Edges that count towards capacity: every one but the draining. */
export function activeEdges (fleet: FleetState): FleetEdge[] {
  return fleet.edges.filter((e) => e.state !== 'draining')
}

export function withEdges (fleet: FleetState, edges: readonly FleetEdge[]): FleetState {
  return { ...fleet, edges: [...edges].sort((a, b) => a.port - b.port) }
}

/** A new edge on `port`, live from the moment it answered. */
export function freshEdge (policy: FleetPolicy, fleet: FleetState, port: number, adopted: boolean): { fleet: FleetState, edge: FleetEdge } {
  const edge: FleetEdge = {
    id: edgeId(policy.publicHost, port),
    port,
    url: edgePublicUrl(policy.publicHost, port),
    serial: fleet.nextSerial,
    state: 'live',
    adopted,
    failures: 0,
    ownRequests: 0,
    lastSample: undefined,
    loadRps: 0,
    drainUntil: 0
  }
  return { fleet: { ...withEdges(fleet, [...fleet.edges.filter((e) => e.port !== port), edge]), nextSerial: fleet.nextSerial + 1 }, edge }
}

/** Where new edges may go, in order: `preferred` (a replaced edge keeps its port, URL and cache), then the range. */
export function launchCandidates (policy: FleetPolicy, fleet: FleetState, preferred: readonly number[]): LaunchCandidate[] {
  const ports = [...preferred]
  for (let port = policy.basePort; port < policy.basePort + policy.portSpan; port++) ports.push(port)
  const held = new Set([...fleet.edges.map((e) => e.port), ...fleet.stopping])
  return [...new Set(ports)].filter((port) => !held.has(port)).map((port) => ({ port, handedOver: fleet.handedOver.includes(port) }))
}

/**
 * Brings the number of non-draining edges to `desired`: revives draining edges (lowest port
 * first), asks for launches for what is still missing, or drains the newest (highest port).
 */
export function reconcile (policy: FleetPolicy, fleet: FleetState, preferred: readonly number[], now: number): FleetStep & { launching: boolean } {
  const actions: FleetAction[] = []
  let edges = [...fleet.edges]
  const count = (): number => edges.filter((e) => e.state !== 'draining').length
  const set = (port: number, change: Partial<FleetEdge>): void => { edges = edges.map((e) => e.port === port ? { ...e, ...change } : e) }
  for (const edge of edges.filter((e) => e.state === 'draining').sort((a, b) => a.port - b.port)) {
    if (count() >= fleet.desired) break
    set(edge.port, { state: 'live', drainUntil: 0 })
    actions.push({ kind: 'note', note: { event: 'revived', id: edge.id } })
  }
  let next = withEdges(fleet, edges)
  const missing = fleet.desired - count()
  if (missing > 0) {
    actions.push({ kind: 'launch', count: missing, candidates: launchCandidates(policy, next, preferred) })
    return { fleet: next, actions, launching: true }
  }
  while (count() > fleet.desired) {
    const newest = edges.filter((e) => e.state !== 'draining').sort((a, b) => b.port - a.port)[0] as FleetEdge
    set(newest.port, { state: 'draining', drainUntil: now + policy.drainMs })
    actions.push({ kind: 'note', note: { event: 'draining', id: newest.id, drainMs: policy.drainMs } })
  }
  next = withEdges(fleet, edges)
  return { fleet: next, actions, launching: false }
}

/** The active count changed by a replacement: recorded in the history. */
export function recordReplace (fleet: FleetState, before: number, now: number): FleetAction[] {
  const after = activeEdges(fleet).length
  return after === before ? [] : [{ kind: 'count-change', change: { at: now, from: before, to: after, reason: 'replace' } }]
}

/** End of a round: stops the edges whose drain time is over, lets the scaler decide, reconciles. */
export function settle (policy: FleetPolicy, fleet: FleetState, now: number): FleetStep {
  const actions: FleetAction[] = []
  const drained = fleet.edges.filter((e) => e.state === 'draining' && now >= e.drainUntil)
  let next: FleetState = {
    ...withEdges(fleet, fleet.edges.filter((e) => !drained.includes(e))),
    stopping: [...fleet.stopping, ...drained.map((e) => e.port)]
  }
  for (const edge of drained) actions.push({ kind: 'stop-drained', port: edge.port, id: edge.id })
  const scaled = scale(policy, next, now)
  next = scaled.fleet
  actions.push(...scaled.actions)
  const reconciled = reconcile(policy, next, [], now)
  return { fleet: reconciled.fleet, actions: [...actions, ...reconciled.actions] }
}

function scale (policy: FleetPolicy, fleet: FleetState, now: number): FleetStep {
  const count = activeEdges(fleet).length
  // draining edges' load counts too: that load has to go somewhere
  const totalRps = fleet.edges.reduce((sum, e) => sum + e.loadRps, 0)
  const decision = decideScale(policy.scale, fleet.scaler, { now, count, totalRps })
  const next = { ...fleet, scaler: decision.state }
  if (decision.desired === count && decision.desired === fleet.desired) return { fleet: next, actions: [] }
  const actions: FleetAction[] = []
  if (decision.reason === 'load-high' || decision.reason === 'load-low') {
    actions.push({ kind: 'scaled', direction: decision.desired > count ? 'up' : 'down', from: count, to: decision.desired, totalRps, targetRps: policy.scale.targetRps })
    actions.push({ kind: 'count-change', change: { at: now, from: count, to: decision.desired, reason: decision.reason } })
  }
  return { fleet: { ...next, desired: decision.desired }, actions }
}

export function fleetGauges (fleet: FleetState): FleetGauges {
  const byState = Object.fromEntries(EDGE_STATES.map((state) => [state, fleet.edges.filter((e) => e.state === state).length])) as Record<EdgeState, number>
  return { count: activeEdges(fleet).length, desired: fleet.desired, byState, loadRps: fleet.edges.map((e) => ({ id: e.id, rps: e.loadRps })) }
}

/**
 * The edges to announce: the live ones, and the draining ones marked as such (the segments
 * already listed on them must stay fetchable). An unhealthy edge is left out.
 */
export function heartbeatList (fleet: FleetState): EdgeStatus[] {
  return fleet.edges
    .filter((e) => e.state === 'live' || e.state === 'draining')
    .map((e) => ({ id: e.id, url: e.url, load_rps: e.loadRps, ...(e.state === 'draining' ? { draining: true } : {}) }))
}

/** Gauges always; the heartbeat when there is an edge to announce. */
export function report (fleet: FleetState): FleetStep {
  const edges = heartbeatList(fleet)
  const actions: FleetAction[] = [{ kind: 'gauges', gauges: fleetGauges(fleet) }]
  if (edges.length > 0) actions.push({ kind: 'heartbeat', edges })
  return { fleet, actions }
}
