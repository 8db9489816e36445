import { Counter, Gauge, type Registry } from 'prom-client'

export interface PackagerMetricSources {
  readonly cacheBytes: () => number
  readonly cacheEntries: () => number
  readonly blockedWaiters: () => number
}

/** Packager counters, pre-bound to their labels so the hot path only increments. */
export function createPackagerMetrics (registry: Registry, sources: PackagerMetricSources) {
  const requests = new Counter({
    name: 'packager_requests_total',
    help: 'Playlist and segment requests, by kind',
    labelNames: ['kind'] as const,
    registers: [registry]
  })
  const hits = new Counter({
    name: 'packager_cache_hits_total',
    help: 'Requests answered from memory, by kind',
    labelNames: ['kind'] as const,
    registers: [registry]
  })
  const misses = new Counter({
    name: 'packager_cache_misses_total',
    help: 'Requests that had to read the disk (or wait on a read in flight), by kind',
    labelNames: ['kind'] as const,
    registers: [registry]
  })
  const diskReads = new Counter({
    name: 'packager_disk_reads_total',
    help: 'Files read from disk, by kind (concurrent misses share one read)',
    labelNames: ['kind'] as const,
    registers: [registry]
  })
  const blocking = new Counter({
    name: 'packager_blocking_reloads_total',
    help: 'Blocking playlist reloads (_HLS_msn), by outcome',
    labelNames: ['outcome'] as const,
    registers: [registry]
  })
  new Gauge({
    name: 'packager_cache_bytes',
    help: 'Bytes held by the in-memory file cache',
    registers: [registry],
    collect () { this.set(sources.cacheBytes()) }
  })
  new Gauge({
    name: 'packager_cache_entries',
    help: 'Files held by the in-memory file cache',
    registers: [registry],
    collect () { this.set(sources.cacheEntries()) }
  })
  new Gauge({
    name: 'packager_blocked_reload_waiters',
    help: 'Playlist requests currently held by a blocking reload',
    registers: [registry],
    collect () { this.set(sources.blockedWaiters()) }
  })
  return {
    requests: { playlist: requests.labels('playlist'), segment: requests.labels('segment') },
    hits: { playlist: hits.labels('playlist'), segment: hits.labels('segment') },
    misses: { playlist: misses.labels('playlist'), segment: misses.labels('segment') },
    diskReads: { playlist: diskReads.labels('playlist'), segment: diskReads.labels('segment') },
    blocking: (outcome: 'immediate' | 'released' | 'timeout' | 'rejected' | 'closed' | 'aborted') => { blocking.inc({ outcome }) }
  }
}

export type PackagerMetrics = ReturnType<typeof createPackagerMetrics>
