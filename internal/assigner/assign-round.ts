import { streamCost, type StreamDefinition } from '../streams/stream-definition.js'
import type { AssignmentMap, WorkerRecord } from './fleet-registry.js'
import { placeStreams, type PlacementResult, type PlacementWorker } from './placement.js'

export interface RoundInput {
  readonly streams: readonly StreamDefinition[]
  /** Live registrations only: an expired worker is dead. */
  readonly workers: readonly WorkerRecord[]
  /** The assignment records as the registry holds them now. */
  readonly assignments: Readonly<AssignmentMap>
}

export interface RoundPlan extends PlacementResult {
  /** Assignment records of streams that no longer exist, to remove. */
  readonly gone: readonly string[]
}

/**
 * Pure: one assigner round. The previous placement is the assignment records, and where a stream
 * has none (the registry restarted and lost them), what the live workers say they run: so a
 * registry that comes back empty moves nothing.
 */
export function planRound ({ streams, workers, assignments }: RoundInput): RoundPlan {
  const current: AssignmentMap = {}
  for (const stream of streams) {
    const recorded = assignments[stream.name]
    current[stream.name] = recorded !== undefined ? [...recorded] : workers.filter((w) => w.running.includes(stream.name)).map((w) => w.id)
  }
  const placementWorkers: PlacementWorker[] = workers.map((worker) => ({
    id: worker.id,
    host: worker.host,
    capacity: worker.capacity,
    ...(worker.stream_filter !== null ? { filter: new RegExp(worker.stream_filter) } : {})
  }))
  const result = placeStreams(streams.map((s) => ({ name: s.name, redundancy: s.redundancy, cost: streamCost(s) })), placementWorkers, current)
  const names = new Set(streams.map((s) => s.name))
  return { ...result, gone: Object.keys(assignments).filter((name) => !names.has(name)).sort() }
}
