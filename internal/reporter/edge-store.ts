import { ExpiringMap } from './expiring-map.js'
import { compare, type StoreOptions } from './ingest-store.js'
import { formatLastReported } from './last-reported-format.js'
import type { EdgeReport, EdgeStatus, EdgeView } from './report-schema.js'

/** Live cache edges by id, from the edges manager's heartbeats; an edge that stops beating expires. */
export class EdgeStore {
  readonly #entries: ExpiringMap<{ status: EdgeStatus, reportedAt: number }>
  readonly #options: StoreOptions

  constructor (options: StoreOptions) {
    this.#options = options
    this.#entries = new ExpiringMap(options.maxEntries ?? 1000)
  }

  /** Upserts every edge of the heartbeat; false (and nothing changed) when the store is full. */
  report (report: EdgeReport): boolean {
    const now = this.#options.now()
    if (!this.#entries.hasRoomFor(report.edges.map((e) => e.id), now)) return false
    const ttlMs = Math.min(report.ttl_ms ?? this.#options.defaultTtlMs, this.#options.maxTtlMs)
    for (const status of report.edges) this.#entries.set(status.id, { status, reportedAt: now }, now, ttlMs)
    return true
  }

  /** Live edges sorted by id. */
  list (): EdgeView[] {
    const now = this.#options.now()
    return [...this.#entries.values(now)]
      .sort((a, b) => compare(a.status.id, b.status.id))
      .map(({ status, reportedAt }) => ({
        id: status.id,
        url: status.url,
        load_rps: status.load_rps,
        draining: status.draining === true,
        last_reported: formatLastReported(new Date(reportedAt), this.#options.utcOffsetMinutes)
      }))
  }
}
