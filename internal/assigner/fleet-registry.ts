import type { Registry } from '../registry/registry.js'
import type { PublishRecord } from '../streams/publish-record.js'
import { parseStreamDefinition, type StreamDefinition } from '../streams/stream-definition.js'

/** One worker's registration, as its heartbeat carries it and GET /workers shows it. */
export interface WorkerRecord {
  readonly id: string
  /** Machine it runs on: copies of one stream go to distinct hosts where there are. */
  readonly host: string
  /** Ladder encodes it can carry at once. */
  readonly capacity: number
  /** Takes only streams whose name this regex matches; null takes every stream. */
  readonly stream_filter: string | null
  /** The packager that serves its output. */
  readonly packager: string
  /** Ladder encodes it runs now. */
  readonly load: number
  /** Streams it encodes now: after a registry restart they tell the assigner where everything was. */
  readonly running: readonly string[]
  /** ISO time of its latest heartbeat. */
  readonly last_seen: string
}

/** Stream name -> ids of the workers that encode it. */
export type AssignmentMap = Record<string, string[]>

/**
 * Typed access to the fleet's records in the one registry: stream definitions (hard records),
 * worker registrations and assignments (soft, refreshed by heartbeats and by the acting assigner).
 */
export class FleetRegistry {
  constructor (readonly registry: Registry) {}

  async streams (): Promise<StreamDefinition[]> {
    const records = await this.registry.list('stream')
    // written through putStream, so each parses; a hand-edited bad one is skipped, not fatal
    return records.flatMap((record) => {
      try {
        return [parseStreamDefinition(record.value, `stream record '${record.id}'`)]
      } catch {
        return []
      }
    })
  }

  async stream (name: string): Promise<StreamDefinition | undefined> {
    const record = await this.registry.get('stream', name)
    return record === undefined ? undefined : parseStreamDefinition(record.value, `stream record '${name}'`)
  }

  async putStreams (definitions: readonly StreamDefinition[]): Promise<void> {
    if (definitions.length === 0) return
    await this.registry.put('stream', definitions.map((definition) => ({ id: definition.name, value: { ...definition } })))
  }

  async removeStream (name: string): Promise<boolean> {
    const removed = await this.registry.remove('stream', name)
    await this.registry.remove('assignment', name)
    return removed
  }

  async workers (): Promise<WorkerRecord[]> {
    return (await this.registry.list('worker')).map((record) => record.value as unknown as WorkerRecord)
  }

  async worker (id: string): Promise<WorkerRecord | undefined> {
    return (await this.registry.get('worker', id))?.value as WorkerRecord | undefined
  }

  async heartbeat (worker: WorkerRecord, ttlMs: number): Promise<void> {
    await this.registry.put('worker', [{ id: worker.id, value: { ...worker, running: [...worker.running] } }], ttlMs)
  }

  async assignments (): Promise<AssignmentMap> {
    const map: AssignmentMap = {}
    for (const record of await this.registry.list('assignment')) map[record.id] = [...(record.value as { workers: string[] }).workers]
    return map
  }

  /** Writes every stream's placement (refreshing its TTL) and drops the records of streams gone. */
  async writeAssignments (assignment: Readonly<AssignmentMap>, ttlMs: number, gone: readonly string[]): Promise<void> {
    const records = Object.entries(assignment).map(([stream, workers]) => ({ id: stream, value: { workers: [...workers] } }))
    if (records.length > 0) await this.registry.put('assignment', records, ttlMs)
    for (const stream of gone) await this.registry.remove('assignment', stream)
  }

  /** Every live publish (written by the ingest nodes through the reporter), play tokens included. */
  async publishes (): Promise<PublishRecord[]> {
    return (await this.registry.list('publish')).map((record) => record.value as unknown as PublishRecord)
  }
}
