/**
 * The one store of shared state (docs: DESIGN.md section 8). Soft records expire unless their
 * writer refreshes them (ingests, edge heartbeats, worker registrations, assignments); hard records
 * (stream definitions) are put without a TTL and stay until removed. The assigner's lease lives
 * here too, so several assigners can run and exactly one acts.
 *
 * Two backends keep one contract (test/component/registry/registry-contract.test.ts): in memory
 * inside the reporter (the embedded default) and Redis (REGISTRY_URL). Values are JSON: what a
 * reader gets is a copy, never the writer's object.
 */

/** The kinds of record; each is its own namespace of ids. */
export const RECORD_KINDS = ['ingest', 'edge', 'worker', 'assignment', 'stream', 'publish'] as const
export type RecordKind = typeof RECORD_KINDS[number]

/** JSON as the registry stores it. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue }

export interface RegistryRecord<V extends JsonValue = JsonValue> {
  readonly id: string
  readonly value: V
  /** Milliseconds until the record expires; undefined for a hard record (no TTL). */
  readonly expiresInMs: number | undefined
}

export interface RecordWrite<V extends JsonValue = JsonValue> {
  readonly id: string
  readonly value: V
}

export interface Registry {
  /** 'memory' or 'redis', for logs and /healthz. */
  readonly backend: 'memory' | 'redis'
  /**
   * Writes every record of one kind at once (all or none on either backend), each expiring
   * `ttlMs` from now; without ttlMs they are hard records. A write replaces a record whole,
   * TTL included.
   */
  put: (kind: RecordKind, records: readonly RecordWrite[], ttlMs?: number) => Promise<void>
  get: (kind: RecordKind, id: string) => Promise<RegistryRecord | undefined>
  /** Every unexpired record of a kind, sorted by id (code-unit order). */
  list: (kind: RecordKind) => Promise<RegistryRecord[]>
  /** True when a record was there to remove. */
  remove: (kind: RecordKind, id: string) => Promise<boolean>
  /**
   * Takes the lease `name` for `holder` for `ttlMs`, or extends it when `holder` already has it.
   * False while another holder's lease is unexpired.
   */
  acquireLease: (name: string, holder: string, ttlMs: number) => Promise<boolean>
  /** Gives the lease up early, only if `holder` has it. */
  releaseLease: (name: string, holder: string) => Promise<void>
  /**
   * `listener` runs each time the backend comes back after losing its store (a Redis client that
   * reconnected): writers re-announce what they hold. A hint only; TTLs are the truth.
   */
  onReconnect: (listener: () => void) => void
  close: () => Promise<void>
}

/** Ids and lease names: printable, no spaces, so they fit a Redis key and a log line as they are. */
export const RECORD_ID = /^[\x21-\x7e]{1,300}$/
