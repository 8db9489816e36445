import type { RegistryRecord } from '../registry/registry.js'
import { compare, type StoreOptions } from './ingest-store.js'
import { formatLastReported } from './last-reported-format.js'
import type { EdgeReport, EdgeStatus, EdgeView } from './report-schema.js'
import { DEFAULT_LIMITS } from './reporter-limits.js'

/** Why a heartbeat cannot be taken: too many edges, or an id or URL another live record holds. */
export type EdgeRefusal =
  | { readonly limit: 'edges', readonly max: number }
  | { readonly limit: 'taken', readonly id: string, readonly url: string, readonly heldBy: string, readonly heldUrl: string, readonly expiresInMs: number }

interface Entry { readonly status: EdgeStatus, readonly reportedAt: number }

/** Live cache edges by id, from the edges manager's heartbeats; an edge that stops beating expires. */
export class EdgeStore {
  readonly #options: StoreOptions

  constructor (options: StoreOptions) {
    this.#options = options
  }

  /**
   * First registration wins while it lives: an id keeps its URL and a URL its id until the record
   * expires, so a heartbeat cannot move a live edge (or flip it to draining under another id). Past
   * REPORTER_MAX_EDGES live edges, a new one waits until one expires.
   */
  async refusal (report: EdgeReport): Promise<EdgeRefusal | undefined> {
    const records = await this.#options.registry.list('edge')
    const byId = new Map(records.map((record) => [record.id, record]))
    const byUrl = new Map(records.map((record) => [entryOf(record).status.url, record]))
    for (const edge of report.edges) {
      const own = byId.get(edge.id)
      const held = own !== undefined && entryOf(own).status.url !== edge.url ? own : byUrl.get(edge.url)
      if (held === undefined || (held.id === edge.id && entryOf(held).status.url === edge.url)) continue
      return { limit: 'taken', id: edge.id, url: edge.url, heldBy: held.id, heldUrl: entryOf(held).status.url, expiresInMs: held.expiresInMs ?? 0 }
    }
    const max = this.#options.limits?.maxEdges ?? DEFAULT_LIMITS.maxEdges
    const fresh = report.edges.filter((e) => !byId.has(e.id)).length
    if (records.length + fresh > max) return { limit: 'edges', max }
    return undefined
  }

  /** Upserts every edge of the heartbeat; false (and nothing changed) when it is refused (see refusal) or the registry is full. */
  async report (report: EdgeReport): Promise<boolean> {
    if (await this.refusal(report) !== undefined) return false
    const reportedAt = this.#options.now()
    const ttlMs = Math.min(report.ttl_ms ?? this.#options.defaultTtlMs, this.#options.maxTtlMs)
    try {
      await this.#options.registry.put('edge', report.edges.map((status) => ({ id: status.id, value: { status: { ...status }, reportedAt } })), ttlMs)
    } catch (err) {
      if ((err as { code?: unknown }).code === 'REGISTRY_ERR_FULL') return false
      throw err
    }
    return true
  }

  /** Live edges sorted by id. */
  async list (): Promise<EdgeView[]> {
    return (await this.#options.registry.list('edge'))
      .map(entryOf)
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

function entryOf (record: RegistryRecord): Entry {
  return record.value as unknown as Entry
}
