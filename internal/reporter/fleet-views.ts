import type { AssignmentMap, WorkerRecord } from '../assigner/fleet-registry.js'
import { publicDefinition, type PublicStreamDefinition, type StreamDefinition } from '../streams/stream-definition.js'
import { compare } from './ingest-store.js'

/** One entry of GET /workers. */
export interface WorkerView {
  readonly id: string
  readonly host: string
  readonly capacity: number
  readonly load: number
  /** Streams assigned to it. */
  readonly streams: readonly string[]
  /** Streams it says it encodes now (differs from `streams` while it starts or stops one). */
  readonly running: readonly string[]
  readonly stream_filter: string | null
  readonly packager: string
  readonly last_seen: string
}

/** One entry of GET /streams: the definition (key withheld) and where it is placed. */
export type StreamView = PublicStreamDefinition & {
  readonly workers: readonly string[]
  /** Copies wanted but placed nowhere (no live worker with room and a matching filter). */
  readonly missing: number
}

/** Pure: workers sorted by id, each with the streams assigned to it. */
export function workerViews (workers: readonly WorkerRecord[], assignments: Readonly<AssignmentMap>): WorkerView[] {
  return [...workers].sort((a, b) => compare(a.id, b.id)).map((worker) => ({
    id: worker.id,
    host: worker.host,
    capacity: worker.capacity,
    load: worker.load,
    streams: Object.keys(assignments).filter((name) => assignments[name]?.includes(worker.id) === true).sort(compare),
    running: [...worker.running].sort(compare),
    stream_filter: worker.stream_filter,
    packager: worker.packager,
    last_seen: worker.last_seen
  }))
}

/** Pure: streams sorted by name, each with its live workers. */
export function streamViews (streams: readonly StreamDefinition[], assignments: Readonly<AssignmentMap>, liveWorkers: readonly WorkerRecord[]): StreamView[] {
  const live = new Set(liveWorkers.map((w) => w.id))
  return [...streams].sort((a, b) => compare(a.name, b.name)).map((stream) => {
    const workers = (assignments[stream.name] ?? []).filter((id) => live.has(id)).sort(compare)
    return { ...publicDefinition(stream), workers, missing: Math.max(0, stream.redundancy - workers.length) }
  })
}
