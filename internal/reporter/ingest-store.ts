import type { Registry, RegistryRecord } from '../registry/registry.js'
import { formatLastReported } from './last-reported-format.js'
import type { IngestReport, IngestView, PackagerStatus } from './report-schema.js'
import { DEFAULT_LIMITS, type RegistryLimits } from './reporter-limits.js'

export interface StoreOptions {
  /** Where the records live: the reporter's memory, or Redis shared by every reporter. */
  readonly registry: Registry
  /** Milliseconds since the epoch, for `reported_at`; tests pass a fake clock (the memory registry's). */
  readonly now: () => number
  readonly defaultTtlMs: number
  readonly maxTtlMs: number
  /** Zone of `last_reported`, minutes east of UTC; the host's local zone when absent. */
  readonly utcOffsetMinutes?: number
  /** What writers may register; DEFAULT_LIMITS when absent. */
  readonly limits?: RegistryLimits
}

/** Why a report would take more than its writer may register. */
export type IngestRefusal =
  | { readonly limit: 'signals', readonly max: number }
  | { readonly limit: 'packagers', readonly signal: string, readonly count: number, readonly max: number }

interface Entry {
  readonly signal: string
  readonly status: PackagerStatus
  readonly reportedAt: number
}

/**
 * Which packagers are healthy for which signal, from discovery's reports. Each (signal, packager)
 * is one registry record expiring on its own, so several discovery instances can report one signal
 * and a packager that nobody reports any more drops out after its TTL. A signal is live while at
 * least one unexpired report calls one of its packagers healthy; everything else is left out of
 * every view.
 */
export class IngestStore {
  readonly #options: StoreOptions

  constructor (options: StoreOptions) {
    this.#options = options
  }

  /**
   * Whether the report stays within the writer limits: a new signal while REPORTER_MAX_SIGNALS are
   * live, or a signal that would list more than REPORTER_MAX_PACKAGERS_PER_SIGNAL distinct packagers.
   */
  async refusal (report: IngestReport): Promise<IngestRefusal | undefined> {
    const limits = this.#options.limits ?? DEFAULT_LIMITS
    const signals = new Set<string>()
    const packagers = new Set(report.packagers.map((p) => p.url))
    for (const entry of await this.#entries()) {
      signals.add(entry.signal)
      if (entry.signal === report.signal) packagers.add(entry.status.url)
    }
    if (!signals.has(report.signal) && signals.size >= limits.maxSignals) return { limit: 'signals', max: limits.maxSignals }
    if (packagers.size > limits.maxPackagersPerSignal) return { limit: 'packagers', signal: report.signal, count: packagers.size, max: limits.maxPackagersPerSignal }
    return undefined
  }

  /** Records a report whose URLs are already normalized; false (and nothing changed) when it is refused (see refusal) or the registry is full. */
  async report (report: IngestReport): Promise<boolean> {
    if (await this.refusal(report) !== undefined) return false
    const reportedAt = this.#options.now()
    const ttlMs = Math.min(report.ttl_ms ?? this.#options.defaultTtlMs, this.#options.maxTtlMs)
    const records = report.packagers.map((status) => ({ id: keyOf(report.signal, status.url), value: { signal: report.signal, status: { ...status }, reportedAt } }))
    try {
      await this.#options.registry.put('ingest', records, ttlMs)
    } catch (err) {
      if ((err as { code?: unknown }).code === 'REGISTRY_ERR_FULL') return false
      throw err
    }
    return true
  }

  /** Live signals sorted by name. */
  async list (): Promise<IngestView[]> {
    const bySignal = new Map<string, Entry[]>()
    for (const entry of await this.#entries()) {
      const entries = bySignal.get(entry.signal)
      if (entries === undefined) bySignal.set(entry.signal, [entry])
      else entries.push(entry)
    }
    const views: IngestView[] = []
    for (const [signal, entries] of bySignal) {
      const view = this.#view(signal, entries)
      if (view !== undefined) views.push(view)
    }
    return views.sort((a, b) => compare(a.signal, b.signal))
  }

  async get (signal: string): Promise<IngestView | undefined> {
    return this.#view(signal, (await this.#entries()).filter((e) => e.signal === signal))
  }

  async #entries (): Promise<Entry[]> {
    return (await this.#options.registry.list('ingest')).map((record: RegistryRecord) => record.value as unknown as Entry)
  }

  #view (signal: string, entries: Entry[]): IngestView | undefined {
    entries.sort((a, b) => compare(a.status.url, b.status.url))
    const healthy = entries.filter((e) => e.status.healthy).map((e) => e.status.url)
    if (healthy.length === 0) return undefined
    const lastReported = Math.max(...entries.map((e) => e.reportedAt))
    return {
      signal,
      packagers: healthy,
      last_reported: formatLastReported(new Date(lastReported), this.#options.utcOffsetMinutes),
      details: entries.map(({ status, reportedAt }) => ({
        url: status.url,
        healthy: status.healthy,
        reason: status.reason,
        media_sequence: status.media_sequence ?? null,
        last_change: status.last_change ?? null,
        playlist_age_ms: status.playlist_age_ms ?? null,
        reported_at: new Date(reportedAt).toISOString()
      }))
    }
  }
}

/** Signal names cannot hold '/', so the first one splits the key again. */
function keyOf (signal: string, url: string): string {
  return `${signal}/${url}`
}

/** Plain code-unit order: the same on every host, unlike localeCompare. */
export function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
