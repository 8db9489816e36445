import { planReplacement } from './edge-hang-detector.js'
import {
  activeEdges, fleetGauges, freshEdge, recordReplace, reconcile, report, settle, withEdges
} from './edge-fleet-reconcile.js'
import type {
  FleetAction, FleetEdge, FleetFact, FleetPolicy, FleetState, FleetStep, Leftover, LaunchResult, ProbeFact, ReplaceReason
} from './edge-fleet-state.js'
import { edgeId } from './edge-naming.js'
import { requestRate } from './load-meter.js'

/**
 * The edge fleet's decisions, pure: the fleet and one fact in (what the shell saw, or the outcome
 * of an action it carried out), the next fleet and the actions to carry out, in order, out. `now`
 * is a parameter. The shell feeds the facts an action reports back before it goes on, so one
 * change of the fleet (a replacement and its launches) completes before the next begins.
 */
export function stepFleet (policy: FleetPolicy, fleet: FleetState, fact: FleetFact, now: number): FleetStep {
  switch (fact.type) {
    case 'leftovers': return adoptLeftovers(policy, fleet, fact.found, now)
    case 'deaths': return replaceDead(policy, fleet, fact.dead, now)
    case 'probes': return applyProbes(policy, fleet, fact.results)
    case 'stuck': return replaceStuck(policy, fleet, fact, now)
    case 'launched': return applyLaunches(policy, fleet, fact.requested, fact.results, now)
    case 'beside-started': return besideStarted(fleet, fact.port, fact.ok)
    case 'stuck-gone': return stuckGone(policy, fleet, fact.port, now)
    case 'drain-stopped': return { fleet: { ...fleet, stopping: fleet.stopping.filter((p) => p !== fact.port) }, actions: [] }
    case 'settle': return settle(policy, fleet, now)
    case 'report': return report(fleet)
  }
}

/**
 * Takes over the edges a previous manager left that still run and answer, on a port in range under
 * the id this manager would give them; the rest are discarded. The wanted count rises to what was
 * adopted (at most the maximum), then the fleet is reconciled.
 */
function adoptLeftovers (policy: FleetPolicy, fleet: FleetState, found: readonly Leftover[], now: number): FleetStep {
  const actions: FleetAction[] = []
  let next = fleet
  for (const leftover of found) {
    const inRange = leftover.port >= policy.basePort && leftover.port < policy.basePort + policy.portSpan
    const taken = next.edges.some((e) => e.port === leftover.port)
    if (!leftover.running || !inRange || taken || leftover.id !== edgeId(policy.publicHost, leftover.port)) {
      actions.push({ kind: 'discard-leftover', port: leftover.port, id: leftover.id, running: leftover.running })
      continue
    }
    next = freshEdge(policy, next, leftover.port, true).fleet
    actions.push({ kind: 'serve', port: leftover.port, id: leftover.id, origin: 'adopted' })
  }
  const active = activeEdges(next).length
  if (active > next.desired) next = { ...next, desired: Math.min(active, policy.scale.max) }
  const reconciled = reconcile(policy, next, [], now)
  return { fleet: reconciled.fleet, actions: [...actions, ...reconciled.actions] }
}

/** Every edge whose nginx or watchdog is gone leaves, and is replaced on its port (a draining one is not). */
function replaceDead (policy: FleetPolicy, fleet: FleetState, dead: readonly number[], now: number): FleetStep {
  const victims = fleet.edges.filter((e) => dead.includes(e.port))
  if (victims.length === 0) return { fleet, actions: [] }
  return replace(policy, fleet, victims, 'exited', now)
}

/**
 * Takes `victims` out and reconciles with their ports preferred, so a replacement keeps its edge's
 * id, URL and cache. An exited edge's port is handed over: its orphaned worker serves until the
 * replacement binds beside it. The count change is recorded once the launches report.
 */
function replace (policy: FleetPolicy, fleet: FleetState, victims: readonly FleetEdge[], reason: ReplaceReason, now: number): FleetStep {
  const before = activeEdges(fleet).length
  const actions: FleetAction[] = []
  const preferred: number[] = []
  const handedOver = new Set(fleet.handedOver)
  for (const edge of victims) {
    // a draining edge that dies or sticks is not replaced: it was on its way out
    const replaced = edge.state !== 'draining'
    if (replaced) preferred.push(edge.port)
    if (reason === 'exited') handedOver.add(edge.port)
    actions.push({ kind: 'retire', port: edge.port, id: edge.id, state: edge.state, reason, replaced })
  }
  const remaining: FleetState = { ...withEdges(fleet, fleet.edges.filter((e) => !victims.includes(e))), handedOver: [...handedOver] }
  return afterRemoval(policy, remaining, before, preferred, actions, now)
}

/** Reconciles after edges left; records the count change and the gauges now, or once the launches report. */
function afterRemoval (policy: FleetPolicy, fleet: FleetState, before: number, preferred: readonly number[], actions: FleetAction[], now: number): FleetStep {
  const reconciled = reconcile(policy, fleet, preferred, now)
  actions.push(...reconciled.actions)
  if (reconciled.launching) return { fleet: { ...reconciled.fleet, replaceBefore: before }, actions }
  return { fleet: reconciled.fleet, actions: [...actions, ...recordReplace(reconciled.fleet, before, now), gaugesOf(reconciled.fleet)] }
}

function gaugesOf (fleet: FleetState): FleetAction {
  return { kind: 'gauges', gauges: fleetGauges(fleet) }
}

/** One round's probes: failures counted, states moved, load measured; edges failing too long are judged stuck. */
function applyProbes (policy: FleetPolicy, fleet: FleetState, results: readonly ProbeFact[]): FleetStep {
  const actions: FleetAction[] = []
  const edges = fleet.edges.map((edge) => {
    const result = results.find((r) => r.port === edge.port)
    if (result === undefined) return edge
    const ownRequests = edge.ownRequests + result.probeRequests
    if (!result.healthy) {
      if (edge.state === 'live') actions.push({ kind: 'note', note: { event: 'unhealthy', id: edge.id } })
      return { ...edge, ownRequests, failures: edge.failures + 1, state: edge.state === 'live' ? 'unhealthy' as const : edge.state }
    }
    if (edge.state === 'unhealthy') actions.push({ kind: 'note', note: { event: 'healthy-again', id: edge.id, failures: edge.failures } })
    const healthy: FleetEdge = { ...edge, ownRequests, failures: 0, state: edge.state === 'unhealthy' ? 'live' : edge.state }
    if (result.requestsTotal === undefined) return healthy
    const sample = { at: result.at, requests: result.requestsTotal, ownRequests }
    const rate = edge.lastSample === undefined ? undefined : requestRate(edge.lastSample, sample)
    return { ...healthy, lastSample: sample, loadRps: rate === undefined ? edge.loadRps : Math.round(rate * 10) / 10 }
  })
  const next = { ...fleet, edges }
  for (const edge of edges) {
    if (edge.failures >= policy.unhealthyProbes) actions.push({ kind: 'replace-stuck', port: edge.port, serial: edge.serial, reason: 'unhealthy' })
  }
  return { fleet: next, actions }
}

/**
 * An edge that runs but is hung or fails its probes. By default (`start-first`) its replacement is
 * started beside it on the same port, and it is killed only once the replacement answered, so a
 * URL still in the playlists never refuses a connection. A verdict on an edge replaced since is stale.
 */
function replaceStuck (policy: FleetPolicy, fleet: FleetState, fact: Extract<FleetFact, { type: 'stuck' }>, now: number): FleetStep {
  const edge = fleet.edges.find((e) => e.port === fact.port)
  if (edge === undefined || edge.serial !== fact.serial || edge.replacing !== undefined) return { fleet, actions: [] }
  const plan = planReplacement(policy.replaceOrder, { draining: edge.state === 'draining', running: !fact.dead.includes(edge.port) })
  if (plan === 'replace-dead') return replaceDead(policy, fleet, fact.dead, now)
  if (plan !== 'start-beside') return replace(policy, fleet, [edge], fact.reason, now)
  return {
    fleet: withEdges(fleet, fleet.edges.map((e) => e === edge ? { ...e, replacing: { reason: fact.reason, since: now } } : e)),
    actions: [{ kind: 'start-beside', port: edge.port, id: edge.id, reason: fact.reason }]
  }
}

/** The replacement beside a stuck edge answered, or did not start: either way the stuck edge is killed now. */
function besideStarted (fleet: FleetState, port: number, ok: boolean): FleetStep {
  const edge = fleet.edges.find((e) => e.port === port)
  if (edge?.replacing === undefined || edge.replacing.answered !== undefined) return { fleet, actions: [] }
  const replacing = { ...edge.replacing, answered: ok }
  return {
    fleet: withEdges(fleet, fleet.edges.map((e) => e === edge ? { ...e, replacing } : e)),
    actions: [{ kind: 'kill-stuck', port, id: edge.id, reason: replacing.reason }]
  }
}

/** The stuck edge is gone: its replacement takes its place, or, when it did not start, the port is launched anew. */
function stuckGone (policy: FleetPolicy, fleet: FleetState, port: number, now: number): FleetStep {
  const edge = fleet.edges.find((e) => e.port === port)
  if (edge?.replacing?.answered === undefined) return { fleet, actions: [] }
  const { reason, since, answered } = edge.replacing
  const before = activeEdges(fleet).length
  const without = withEdges(fleet, fleet.edges.filter((e) => e !== edge))
  if (answered) {
    const added = freshEdge(policy, without, port, false)
    return {
      fleet: added.fleet,
      actions: [{ kind: 'serve-replacement', port, id: added.edge.id, reason, handOverMs: now - since }, gaugesOf(added.fleet)]
    }
  }
  return afterRemoval(policy, without, before, [port], [{ kind: 'note', note: { event: 'beside-failed', id: edge.id, reason } }], now)
}

/** Launched edges join live; the handed-over ports taken are no longer handed over. */
function applyLaunches (policy: FleetPolicy, fleet: FleetState, requested: number, results: readonly LaunchResult[], now: number): FleetStep {
  const actions: FleetAction[] = []
  let next: FleetState = { ...fleet, handedOver: fleet.handedOver.filter((p) => !results.some((r) => r.port === p)) }
  for (const result of results.filter((r) => r.ok)) {
    const added = freshEdge(policy, next, result.port, false)
    next = added.fleet
    actions.push({ kind: 'serve', port: result.port, id: added.edge.id, origin: 'launched' })
  }
  if (results.some((r) => !r.ok) || results.length < requested) {
    actions.push({ kind: 'note', note: { event: 'launch-short', wanted: next.desired, running: activeEdges(next).length } })
  }
  if (next.replaceBefore === undefined) return { fleet: next, actions }
  const before = next.replaceBefore
  next = { ...next, replaceBefore: undefined }
  return { fleet: next, actions: [...actions, ...recordReplace(next, before, now), gaugesOf(next)] }
}
