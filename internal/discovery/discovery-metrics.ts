import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

export interface DiscoveryMetrics {
  readonly probes: Counter<'packager' | 'reason'>
  readonly cycleSeconds: Histogram
  readonly liveSignals: Gauge
  readonly reporterFailures: Counter<'reason'>
}

/** Label values are configured packager URLs and fixed reason sets, never data from a response. */
export function createDiscoveryMetrics (registry: Registry): DiscoveryMetrics {
  return {
    probes: new Counter({
      name: 'discovery_probe_results_total',
      help: 'Probe results per signal and packager, by packager URL and reason (ok, stale, refused, timeout, ...)',
      labelNames: ['packager', 'reason'] as const,
      registers: [registry]
    }),
    cycleSeconds: new Histogram({
      name: 'discovery_cycle_duration_seconds',
      help: 'Time of one discovery cycle: disk scan, probes and reports',
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [registry]
    }),
    liveSignals: new Gauge({
      name: 'discovery_live_signals',
      help: 'Signals whose playlists on disk are younger than MAX_AGE_PLAYLIST',
      registers: [registry]
    }),
    reporterFailures: new Counter({
      name: 'discovery_reporter_post_failures_total',
      help: 'Report POSTs that failed, by reason (refused, timeout, http_4xx, http_5xx, ...)',
      labelNames: ['reason'] as const,
      registers: [registry]
    })
  }
}
