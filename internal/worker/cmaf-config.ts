import { ConfigError } from '../config/config-error.js'
import { readDurationMs, readString, type Env } from '../config/env-readers.js'

export const SEGMENT_FORMATS = ['ts', 'fmp4'] as const
export type SegmentFormat = typeof SEGMENT_FORMATS[number]

export interface CmafSettings {
  /** SEGMENT_FORMAT: MPEG-TS segments from ffmpeg's HLS muxer, or CMAF (fMP4) with LL-HLS parts cut by the worker. */
  readonly segmentFormat: SegmentFormat
  /** PART_DURATION in seconds: the LL-HLS part of an fmp4 stream. */
  readonly partSeconds: number
}

/**
 * SEGMENT_FORMAT and PART_DURATION. A part must divide the segment and hold whole frames, so every
 * part boundary is a frame boundary on the epoch grid and every worker cuts the same parts.
 */
export function readCmafSettings (env: Env, segmentSeconds: number, frameRate: number): CmafSettings {
  const format = readString(env, 'SEGMENT_FORMAT', 'ts')
  if (!(SEGMENT_FORMATS as readonly string[]).includes(format)) throw new ConfigError('SEGMENT_FORMAT', `'${format}' is not one of ${SEGMENT_FORMATS.join(', ')}`)
  const partMs = readDurationMs(env, 'PART_DURATION', 500, { minMs: 100, maxMs: 2000 })
  // MPEG-TS has no parts: a value that only CMAF could not use is no error there
  if (format === 'ts') return { segmentFormat: 'ts', partSeconds: partMs / 1000 }
  const problem = partGridProblem(segmentSeconds, partMs, frameRate)
  if (problem !== undefined) throw new ConfigError('PART_DURATION', problem)
  return { segmentFormat: format as SegmentFormat, partSeconds: partMs / 1000 }
}

/**
 * Why parts of `partMs` cannot be cut from this stream, or undefined when they can: a part must
 * divide the segment and hold whole frames. Also checked per stream, since a fleet's streams
 * carry their own segment durations.
 */
export function partGridProblem (segmentSeconds: number, partMs: number, frameRate: number): string | undefined {
  if ((segmentSeconds * 1000) % partMs !== 0) return `${partMs} ms does not divide the ${segmentSeconds} s segment (SEGMENT_DURATION) into whole parts`
  if ((partMs * frameRate) % 1000 !== 0) return `${partMs} ms is not a whole number of frames at ${frameRate} fps (FRAME_RATE)`
  return undefined
}
