import type { RecordKind, RecordWrite, Registry, RegistryRecord } from './registry.js'
import { RegistryErrors } from './registry-errors.js'
import { fromJson, toJson, ttlMillis } from './registry-values.js'

export interface MemoryRegistryOptions {
  /** Milliseconds since the epoch; tests pass a clock they advance. */
  readonly now?: () => number
  /** Most records one kind may hold; a put past it is refused whole (REGISTRY_ERR_FULL). */
  readonly maxRecordsPerKind?: number
}

interface Stored {
  readonly json: string
  /** Clock time at which the record is gone; undefined for a hard record. */
  readonly expiresAt: number | undefined
}

interface Lease { readonly holder: string, readonly expiresAt: number }

export const DEFAULT_MAX_RECORDS_PER_KIND = 10_000

/**
 * The registry inside one process (the reporter's embedded default). Expiry is read off the
 * injected clock when a record is touched, never by timers, so a test's fake clock is the only
 * time there is. The cap per kind bounds memory against writers that invent ids.
 */
export class MemoryRegistry implements Registry {
  readonly backend = 'memory'
  readonly #now: () => number
  readonly #maxRecordsPerKind: number
  readonly #kinds = new Map<RecordKind, Map<string, Stored>>()
  readonly #leases = new Map<string, Lease>()
  readonly #reconnectListeners: Array<() => void> = []
  #closed = false

  constructor (options: MemoryRegistryOptions = {}) {
    const max = options.maxRecordsPerKind ?? DEFAULT_MAX_RECORDS_PER_KIND
    if (!Number.isInteger(max) || max < 1) throw new RangeError(`maxRecordsPerKind must be a whole number above 0, not ${max}`)
    this.#now = options.now ?? Date.now
    this.#maxRecordsPerKind = max
  }

  async put (kind: RecordKind, records: readonly RecordWrite[], ttlMs?: number): Promise<void> {
    this.#checkOpen()
    const ttl = ttlMillis(ttlMs)
    const now = this.#now()
    const store = this.#live(kind, now)
    // serialize every value before storing any, so a bad value leaves the store as it was
    const written = records.map((record) => ({ id: record.id, stored: { json: toJson(record.value), expiresAt: ttl === undefined ? undefined : now + ttl } }))
    const added = new Set(written.map((w) => w.id).filter((id) => !store.has(id))).size
    if (store.size + added > this.#maxRecordsPerKind) throw new RegistryErrors.FULL(this.#maxRecordsPerKind, kind)
    for (const { id, stored } of written) store.set(id, stored)
  }

  async get (kind: RecordKind, id: string): Promise<RegistryRecord | undefined> {
    this.#checkOpen()
    const store = this.#kinds.get(kind)
    const stored = store?.get(id)
    if (store === undefined || stored === undefined) return undefined
    const now = this.#now()
    if (expired(stored, now)) {
      store.delete(id)
      return undefined
    }
    return toRecord(id, stored, now)
  }

  async list (kind: RecordKind): Promise<RegistryRecord[]> {
    this.#checkOpen()
    const now = this.#now()
    const store = this.#live(kind, now)
    // code-unit order, as Redis' byte order of ASCII ids: not localeCompare
    const ids = [...store.keys()].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
    return ids.map((id) => toRecord(id, store.get(id) as Stored, now))
  }

  async remove (kind: RecordKind, id: string): Promise<boolean> {
    this.#checkOpen()
    const store = this.#live(kind, this.#now())
    return store.delete(id)
  }

  async acquireLease (name: string, holder: string, ttlMs: number): Promise<boolean> {
    this.#checkOpen()
    const ttl = ttlMillis(ttlMs) as number
    const now = this.#now()
    const lease = this.#leases.get(name)
    if (lease !== undefined && lease.expiresAt > now && lease.holder !== holder) return false
    this.#leases.set(name, { holder, expiresAt: now + ttl })
    return true
  }

  async releaseLease (name: string, holder: string): Promise<void> {
    this.#checkOpen()
    if (this.#leases.get(name)?.holder === holder) this.#leases.delete(name)
  }

  /** Kept, never called: this store is never lost while the process lives. */
  onReconnect (listener: () => void): void {
    this.#reconnectListeners.push(listener)
  }

  async close (): Promise<void> {
    this.#closed = true
    this.#kinds.clear()
    this.#leases.clear()
    this.#reconnectListeners.length = 0
  }

  #checkOpen (): void {
    if (this.#closed) throw new RegistryErrors.CLOSED()
  }

  // a kind's records with the expired ones dropped: what put counts against the cap, and what list shows
  #live (kind: RecordKind, now: number): Map<string, Stored> {
    let store = this.#kinds.get(kind)
    if (store === undefined) {
      store = new Map()
      this.#kinds.set(kind, store)
    }
    for (const [id, stored] of store) if (expired(stored, now)) store.delete(id)
    return store
  }
}

function expired (stored: Stored, now: number): boolean {
  return stored.expiresAt !== undefined && stored.expiresAt <= now
}

function toRecord (id: string, stored: Stored, now: number): RegistryRecord {
  return { id, value: fromJson(stored.json), expiresInMs: stored.expiresAt === undefined ? undefined : stored.expiresAt - now }
}
