import { ConfigError } from '../config/config-error.js'
import { NAME_PATTERNS } from '../hls/names.js'
import { DEFAULT_LADDER, parseLadder } from './ladder.js'

/**
 * What operators define and the assigner places: one signal, where its pictures come from, how it
 * is encoded and on how many workers at once. Stored in the registry as JSON in this shape (the
 * shape of STREAMS_FILE and of PUT /streams/<name>).
 */
export interface StreamDefinition {
  /** The signal: `/<name>/playlist.m3u8` on every origin. */
  readonly name: string
  /** A file looped on the epoch grid, or a live push (RTMP/SRT) through an ingest node. */
  readonly source: StreamSource
  /** LADDER syntax: `name:WIDTHxHEIGHT:videoKbps[:audioKbps]`, comma-separated. */
  readonly ladder: string
  /** Whole seconds; boundaries fall on its multiples since the Unix epoch. */
  readonly segment_duration: number
  /** Workers encoding it at once, each feeding its own packager. */
  readonly redundancy: number
  /** The publisher's secret; never answered by a read, never logged. */
  readonly stream_key?: string
}

/** `{file}`: a looped file; `{push: true}`: a publisher pushes it to an ingest with the stream key. */
export type StreamSource = { readonly file: string } | { readonly push: true }

/** True for a stream a publisher pushes (its workers pull it from an ingest node). */
export function isPushSource (source: StreamSource): source is { readonly push: true } {
  return 'push' in source
}

/** A definition as reads answer it: the key is only said to exist. */
export type PublicStreamDefinition = Omit<StreamDefinition, 'stream_key'> & { readonly has_stream_key: boolean }

export const DEFAULT_STREAM_NAME = 'live01'
export const DEFAULT_SEGMENT_SECONDS = 2
export const DEFAULT_REDUNDANCY = 2
export const MAX_REDUNDANCY = 8
const KEY = /^[\x21-\x7e]{8,256}$/
const FIELDS = new Set(['name', 'source', 'ladder', 'segment_duration', 'redundancy', 'stream_key'])

/**
 * Checks one definition from a file or a request body and fills its defaults. `where` names it in
 * errors (`STREAMS_FILE[2]`, `body`), each message naming the field and what is allowed.
 */
export function parseStreamDefinition (input: unknown, where: string): StreamDefinition {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) throw new ConfigError(where, 'must be an object with name, source, and optionally ladder, segment_duration, redundancy, stream_key')
  const raw = input as Record<string, unknown>
  const unknown = Object.keys(raw).filter((key) => !FIELDS.has(key))
  if (unknown.length > 0) throw new ConfigError(`${where}.${unknown[0] ?? ''}`, `is not a stream field; allowed: ${[...FIELDS].join(', ')}`)
  const name = raw.name
  if (typeof name !== 'string' || !NAME_PATTERNS.signal.test(name)) throw new ConfigError(`${where}.name`, 'must be 1-64 letters, digits, \'-\' or \'_\', starting with a letter or digit')
  const ladder = raw.ladder ?? DEFAULT_LADDER
  if (typeof ladder !== 'string') throw new ConfigError(`${where}.ladder`, 'must be a string in LADDER syntax')
  parseLadder(ladder, `${where}.ladder`)
  const definition: StreamDefinition = {
    name,
    source: parseSource(raw.source, `${where}.source`),
    ladder,
    segment_duration: wholeNumber(raw.segment_duration ?? DEFAULT_SEGMENT_SECONDS, `${where}.segment_duration`, 1, 10),
    redundancy: wholeNumber(raw.redundancy ?? DEFAULT_REDUNDANCY, `${where}.redundancy`, 1, MAX_REDUNDANCY),
    ...(raw.stream_key !== undefined ? { stream_key: streamKey(raw.stream_key, `${where}.stream_key`) } : {})
  }
  return Object.freeze(definition)
}

/** The one stream there is when nobody defined any: today's signal, input and ladder. */
export function defaultStream (options: { name?: string, inputPath?: string, ladder?: string, segmentSeconds?: number } = {}): StreamDefinition {
  return parseStreamDefinition({
    name: options.name ?? DEFAULT_STREAM_NAME,
    source: { file: options.inputPath ?? 'assets/stream.mp4' },
    ladder: options.ladder ?? DEFAULT_LADDER,
    segment_duration: options.segmentSeconds ?? DEFAULT_SEGMENT_SECONDS
  }, 'default stream')
}

/** Ladder encodes one copy of the stream takes: a worker's capacity is counted in these. */
export function streamCost (definition: Pick<StreamDefinition, 'ladder'>): number {
  return parseLadder(definition.ladder).length
}

export function publicDefinition ({ stream_key: key, ...rest }: StreamDefinition): PublicStreamDefinition {
  return { ...rest, has_stream_key: key !== undefined }
}

function parseSource (source: unknown, field: string): StreamDefinition['source'] {
  const allowed = 'must be {"file": "<path of a video to loop>"} or {"push": true} (a publisher pushes it with the stream key)'
  if (typeof source !== 'object' || source === null || Array.isArray(source)) throw new ConfigError(field, allowed)
  const { file, push, ...rest } = source as Record<string, unknown>
  if (Object.keys(rest).length > 0) throw new ConfigError(field, `${allowed}, not '${Object.keys(rest)[0] ?? ''}'`)
  if (push !== undefined) {
    if (push !== true || file !== undefined) throw new ConfigError(field, allowed)
    return Object.freeze({ push: true })
  }
  if (typeof file !== 'string' || file.length === 0 || file.length > 1024 || file.includes('\0')) throw new ConfigError(`${field}.file`, 'must be a path of 1-1024 characters')
  return Object.freeze({ file })
}

function wholeNumber (value: unknown, field: string, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) throw new ConfigError(field, `must be a whole number from ${min} to ${max}`)
  return value
}

function streamKey (value: unknown, field: string): string {
  if (typeof value !== 'string' || !KEY.test(value)) throw new ConfigError(field, 'must be 8 to 256 printable ASCII characters without spaces')
  return value
}
