import type { PublicStreamDefinition } from '../streams/stream-definition.js'

/** What the worker runs now: stream name -> the definition it was started from. */
export type RunningEncoders = ReadonlyMap<string, PublicStreamDefinition>

export interface EncoderPlan {
  readonly start: readonly PublicStreamDefinition[]
  /** Names to stop: no longer assigned, or redefined (then also in `start`). */
  readonly stop: readonly string[]
}

/** What of a definition the encoder depends on: a change to any of it restarts the encoder. */
export function encodingOf (definition: PublicStreamDefinition): string {
  return JSON.stringify([definition.source, definition.ladder, definition.segment_duration])
}

/**
 * Pure: from what runs and what is assigned, which encoders to start and stop. A stream whose
 * encoding changed is stopped and started again; one whose only change is its redundancy or key
 * keeps running.
 */
export function planEncoders (running: RunningEncoders, assigned: readonly PublicStreamDefinition[]): EncoderPlan {
  const wanted = new Map(assigned.map((d) => [d.name, d]))
  const stop: string[] = []
  const start: PublicStreamDefinition[] = []
  for (const [name, definition] of running) {
    const next = wanted.get(name)
    if (next === undefined || encodingOf(next) !== encodingOf(definition)) stop.push(name)
  }
  for (const definition of assigned) {
    const current = running.get(definition.name)
    if (current === undefined || encodingOf(current) !== encodingOf(definition)) start.push(definition)
  }
  return { start: start.sort(byName), stop: stop.sort() }
}

function byName (a: PublicStreamDefinition, b: PublicStreamDefinition): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0
}
