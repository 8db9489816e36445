import { readInteger, readString, type Env } from '../config/env-readers.js'
import { DEFAULT_LADDER, parseLadder, type Rendition } from './ladder.js'
import { DEFAULT_SEGMENT_SECONDS } from './stream-definition.js'

/**
 * The variables that define today's one stream, read by one rule wherever they are read: the
 * worker encodes by them, and the reporter makes the default stream definition from them.
 */
export interface StreamVariables {
  readonly inputPath: string
  /** Whole seconds; boundaries fall on multiples of it since the Unix epoch. */
  readonly segmentSeconds: number
  /** LADDER as given, and parsed. */
  readonly ladderText: string
  readonly ladder: readonly Rendition[]
}

export function readStreamVariables (env: Env): StreamVariables {
  const ladderText = readString(env, 'LADDER', DEFAULT_LADDER)
  return {
    inputPath: readString(env, 'INPUT_STREAM_PATH', 'assets/stream.mp4'),
    segmentSeconds: readInteger(env, 'SEGMENT_DURATION', DEFAULT_SEGMENT_SECONDS, { min: 1, max: 10, what: 'a whole number of seconds from 1 to 10' }),
    ladderText,
    ladder: Object.freeze(parseLadder(ladderText))
  }
}
