import { ExpiringMap } from './expiring-map.js'
import { compare, type StoreOptions } from './ingest-store.js'
import { formatLastReported } from './last-reported-format.js'
import type { EdgeReport, EdgeStatus, EdgeView } from './report-schema.js'
import { DEFAULT_LIMITS } from './reporter-limits.js'

/** Why a heartbeat cannot be taken: too many edges, or an id or URL another live record holds. */
export type EdgeRefusal =
  | { readonly limit: 'edges', readonly max: number }
  | { readonly limit: 'taken', readonly id: string, readonly url: string, readonly heldBy: string, readonly heldUrl: string, readonly expiresInMs: number }

/** Live cache edges by id, from the edges manager's heartbeats; an edge that stops beating expires. */
export class EdgeStore {
  readonly #entries: ExpiringMap<{ status: EdgeStatus, reportedAt: number }>
  readonly #options: StoreOptions

  constructor (options: StoreOptions) {
    this.#options = options
    this.#entries = new ExpiringMap(options.maxEntries ?? 1000)
  }

  /**
   * First registration wins while it lives: an id keeps its URL and a URL its id until the record
   * expires, so a heartbeat cannot move a live edge (or flip it to draining under another id). Past
   * REPORTER_MAX_EDGES live edges, a new one waits until one expires.
   */
  refusal (report: EdgeReport): EdgeRefusal | undefined {
    const now = this.#options.now()
    const byUrl = new Map<string, string>()
    for (const { status } of this.#entries.values(now)) byUrl.set(status.url, status.id)
    for (const edge of report.edges) {
      const held = this.#entries.get(edge.id, now)
      const holder = held !== undefined && held.status.url !== edge.url ? edge.id : byUrl.get(edge.url)
      const record = holder === undefined ? undefined : this.#entries.get(holder, now)
      if (holder === undefined || record === undefined || (holder === edge.id && record.status.url === edge.url)) continue
      return { limit: 'taken', id: edge.id, url: edge.url, heldBy: holder, heldUrl: record.status.url, expiresInMs: this.#entries.expiresInMs(holder, now) }
    }
    const max = this.#options.limits?.maxEdges ?? DEFAULT_LIMITS.maxEdges
    const fresh = report.edges.filter((e) => this.#entries.get(e.id, now) === undefined).length
    if ([...this.#entries.values(now)].length + fresh > max) return { limit: 'edges', max }
    return undefined
  }

  /** Upserts every edge of the heartbeat; false (and nothing changed) when it is refused (see refusal) or the store is full. */
  report (report: EdgeReport): boolean {
    const now = this.#options.now()
    if (this.refusal(report) !== undefined || !this.#entries.hasRoomFor(report.edges.map((e) => e.id), now)) return false
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
