import type { ChainableCommander } from 'ioredis'
import type { RecordKind, RecordWrite, Registry, RegistryRecord } from './registry.js'
import { RedisConnection, type RedisConnectionOptions, type RedisTarget } from './redis-connection.js'
import { defineScripts, type RegistryScripts } from './redis-scripts.js'
import { fromJson, toJson, ttlMillis } from './registry-values.js'

export interface RedisRegistryOptions extends RedisConnectionOptions {
  /** Put before every key, so several deployments can share one Redis (default 'zdh:'). */
  readonly keyPrefix?: string
}

export const DEFAULT_KEY_PREFIX = 'zdh:'

/**
 * The registry in Redis, shared by every reporter that points at it. Layout, under the prefix:
 * - `<kind>:<id>`: the record's JSON, with a PX TTL unless it is a hard record;
 * - `ids:<kind>`: a set of the kind's ids, so list needs no SCAN. It lies outside every kind's
 *   `<kind>:` namespace, where it could meet a record whose id is 'ids';
 * - `lease:<name>`: the holder's name, with a PX TTL.
 * An id stays in the index after its record expired until a list sees that and prunes it.
 */
export class RedisRegistry implements Registry {
  readonly backend = 'redis'
  readonly #connection: RedisConnection
  readonly #scripts: RegistryScripts
  readonly #prefix: string

  constructor (target: RedisTarget, options: RedisRegistryOptions) {
    this.#connection = new RedisConnection(target, options)
    this.#scripts = defineScripts(this.#connection.client)
    this.#prefix = options.keyPrefix ?? DEFAULT_KEY_PREFIX
  }

  /** Connects; rejects with REGISTRY_ERR_UNAVAILABLE (and stops trying) when Redis cannot be reached in time. */
  async start (): Promise<void> {
    await this.#connection.start()
  }

  async put (kind: RecordKind, records: readonly RecordWrite[], ttlMs?: number): Promise<void> {
    const ttl = ttlMillis(ttlMs)
    const writes = records.map((record) => ({ id: record.id, json: toJson(record.value) }))
    await this.#connection.run(async () => {
      if (writes.length === 0) return
      // MULTI: Redis applies all of it or, if EXEC never arrives, none of it
      const multi = this.#client.multi()
      for (const { id, json } of writes) {
        if (ttl === undefined) multi.set(this.#recordKey(kind, id), json)
        else multi.set(this.#recordKey(kind, id), json, 'PX', ttl)
      }
      multi.sadd(this.#indexKey(kind), ...writes.map((w) => w.id))
      await exec(multi)
    })
  }

  async get (kind: RecordKind, id: string): Promise<RegistryRecord | undefined> {
    return await this.#connection.run(async () => {
      const key = this.#recordKey(kind, id)
      const [json, pttl] = await exec(this.#client.multi().get(key).pttl(key))
      return toRecord(id, json, pttl)
    })
  }

  async list (kind: RecordKind): Promise<RegistryRecord[]> {
    return await this.#connection.run(async () => {
      const index = this.#indexKey(kind)
      const ids = (await this.#client.smembers(index)).sort()
      if (ids.length === 0) return []
      // one MULTI rather than a bare pipeline: no write lands between a record's GET and its PTTL
      const multi = this.#client.multi()
      for (const id of ids) multi.get(this.#recordKey(kind, id)).pttl(this.#recordKey(kind, id))
      const replies = await exec(multi)
      const records: RegistryRecord[] = []
      const gone: string[] = []
      ids.forEach((id, i) => {
        const record = toRecord(id, replies[2 * i], replies[2 * i + 1])
        if (record === undefined) gone.push(id)
        else records.push(record)
      })
      // the list is already right without it: a failed prune is tried again by the next list
      if (gone.length > 0) await this.#scripts.zdhPruneIndex(gone.length + 1, index, ...gone.map((id) => this.#recordKey(kind, id)), ...gone).catch(() => {})
      return records
    })
  }

  async remove (kind: RecordKind, id: string): Promise<boolean> {
    return await this.#connection.run(async () => {
      const [deleted] = await exec(this.#client.multi().del(this.#recordKey(kind, id)).srem(this.#indexKey(kind), id))
      return deleted === 1
    })
  }

  async acquireLease (name: string, holder: string, ttlMs: number): Promise<boolean> {
    const ttl = ttlMillis(ttlMs) as number
    return await this.#connection.run(async () => await this.#scripts.zdhAcquireLease(this.#leaseKey(name), holder, ttl) === 1)
  }

  async releaseLease (name: string, holder: string): Promise<void> {
    await this.#connection.run(async () => { await this.#scripts.zdhReleaseLease(this.#leaseKey(name), holder) })
  }

  /** Runs `listener` each time the client is ready again after losing Redis (a restart, a failover). */
  onReconnect (listener: () => void): void {
    this.#connection.onReconnect(listener)
  }

  async close (): Promise<void> {
    await this.#connection.close()
  }

  get #client (): RedisConnection['client'] {
    return this.#connection.client
  }

  #recordKey (kind: RecordKind, id: string): string {
    return `${this.#prefix}${kind}:${id}`
  }

  #indexKey (kind: RecordKind): string {
    return `${this.#prefix}ids:${kind}`
  }

  #leaseKey (name: string): string {
    return `${this.#prefix}lease:${name}`
  }
}

// EXEC's replies, or the first command error among them (EXEC answers errors in place, not as a rejection)
async function exec (multi: ChainableCommander): Promise<unknown[]> {
  const results = await multi.exec()
  if (results === null) throw new Error('the transaction was aborted')
  return results.map(([err, reply]) => {
    if (err !== null) throw err
    return reply
  })
}

// PTTL: -1 for no TTL, -2 (or 0, expiring this instant) for a record that is gone
function toRecord (id: string, json: unknown, pttl: unknown): RegistryRecord | undefined {
  if (typeof json !== 'string' || typeof pttl !== 'number' || pttl === -2 || pttl === 0) return undefined
  return { id, value: fromJson(json), expiresInMs: pttl === -1 ? undefined : pttl }
}
