import { Counter, Gauge, type Registry } from 'prom-client'
import { CACHE_STATUSES } from './cache-log-reader.js'
import { EDGE_STATES } from './edge-fleet-state.js'

export interface EdgesMetrics {
  readonly count: Gauge
  readonly desired: Gauge
  readonly byState: Gauge<'state'>
  readonly replacements: Counter<'reason'>
  readonly scaleEvents: Counter<'direction'>
  readonly adopted: Counter
  readonly startFailures: Counter
  readonly loadRps: Gauge<'edge'>
  readonly heartbeatFailures: Counter<'reason'>
  readonly segmentsServed: Counter<'edge' | 'cache'>
}

export { EDGE_STATES }

/** Label values are edge ids the manager made and fixed reason sets, never data from a response. */
export function createEdgesMetrics (registry: Registry): EdgesMetrics {
  const byState = new Gauge({ name: 'edges_by_state', help: 'Edges by state: live (heartbeated), unhealthy (failing probes), draining (scaled down, still serving)', labelNames: ['state'] as const, registers: [registry] })
  for (const state of EDGE_STATES) byState.set({ state }, 0)
  return {
    count: new Gauge({ name: 'edges_count', help: 'Edges that count towards capacity (live or unhealthy, not draining)', registers: [registry] }),
    desired: new Gauge({ name: 'edges_desired', help: 'Edge count the scaler wants', registers: [registry] }),
    byState,
    replacements: new Counter({ name: 'edges_replacements_total', help: 'Edges replaced, by reason: exited (nginx or its watchdog died), hung (health probes left unanswered) or unhealthy (failed probes)', labelNames: ['reason'] as const, registers: [registry] }),
    scaleEvents: new Counter({ name: 'edges_scale_events_total', help: 'Load-driven count changes, by direction (up, down)', labelNames: ['direction'] as const, registers: [registry] }),
    adopted: new Counter({ name: 'edges_adopted_total', help: 'Running edges taken over from a previous manager at start', registers: [registry] }),
    startFailures: new Counter({ name: 'edges_start_failures_total', help: 'nginx starts that did not become healthy', registers: [registry] }),
    loadRps: new Gauge({ name: 'edges_load_rps', help: 'Player requests per second per edge, from stub_status deltas', labelNames: ['edge'] as const, registers: [registry] }),
    heartbeatFailures: new Counter({ name: 'edges_heartbeat_failures_total', help: 'Heartbeat POSTs to the reporter that failed, by reason', labelNames: ['reason'] as const, registers: [registry] }),
    segmentsServed: new Counter({
      name: 'edges_segments_served_total',
      help: 'Segment answers per edge by nginx cache status (hit, miss, expired, stale, updating, revalidated, bypass; none: refused before the cache, e.g. a bad token), from its cache.log',
      labelNames: ['edge', 'cache'] as const,
      registers: [registry]
    })
  }
}

/** Drops every per-edge series of an edge the manager no longer runs. */
export function removeEdgeSeries (metrics: EdgesMetrics, edge: string): void {
  metrics.loadRps.remove({ edge })
  for (const cache of CACHE_STATUSES) metrics.segmentsServed.remove({ edge, cache })
}
