import type { FleetRegistry } from '../assigner/fleet-registry.js'
import type { Logger } from '../log/logger.js'
import type { StreamDefinition } from '../streams/stream-definition.js'

export interface StreamSeed {
  /** STREAMS_FILE's definitions, when it is set. */
  readonly file: readonly StreamDefinition[] | undefined
  /** The one stream there is when nobody defined any. */
  readonly fallback: StreamDefinition
}

/**
 * Puts the defined streams into the registry. At start the file wins: every definition in it is
 * written, over any API edit. After the registry came back (a Redis restart without persistence),
 * only what is missing is written, so edits that survived are kept. Without a file, the fallback
 * stream is written only into a registry that holds no stream at all.
 */
export async function seedStreams (fleet: FleetRegistry, seed: StreamSeed, log: Logger, when: 'start' | 'reconnect'): Promise<void> {
  const existing = new Set((await fleet.streams()).map((s) => s.name))
  const wanted = seed.file ?? (existing.size === 0 ? [seed.fallback] : [])
  const writes = when === 'start' && seed.file !== undefined ? wanted : wanted.filter((s) => !existing.has(s.name))
  await fleet.putStreams(writes)
  if (writes.length > 0) log.info({ streams: writes.map((s) => s.name), source: seed.file !== undefined ? 'STREAMS_FILE' : 'default', when }, 'stream definitions written to the registry')
}
