import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { readInteger, readPort, readString, type Env } from '../config/env-readers.js'
import { DEFAULT_LADDER, parseLadder, type Rendition } from './ladder.js'

export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const
export type X264Preset = typeof X264_PRESETS[number]

export interface WorkerConfig extends CommonConfig {
  readonly inputPath: string
  /** Segment duration in whole seconds; boundaries fall on multiples of it since the Unix epoch. */
  readonly segmentSeconds: number
  readonly ladder: readonly Rendition[]
  readonly listSize: number
  readonly ffmpegPath: string
  readonly ffprobePath: string
  readonly videoPreset: X264Preset
  readonly frameRate: number
  /** 0 disables the metrics listener. */
  readonly metricsPort: number
}

/** Reads and validates the worker's environment; throws ConfigError naming the variable. */
export function loadWorkerConfig (env: Env): WorkerConfig {
  const common = loadCommonConfig(env)
  const segmentSeconds = readInteger(env, 'SEGMENT_DURATION', 2, { min: 1, max: 10, what: 'a whole number of seconds from 1 to 10' })
  // RFC 8216bis 6.2.2: a live playlist must cover at least three target durations
  const listSize = readInteger(env, 'HLS_LIST_SIZE', 6, { min: 3, max: 100, what: 'a whole number of segments from 3 to 100 (a live window must cover 3 target durations)' })
  const preset = readString(env, 'VIDEO_PRESET', 'superfast')
  if (!(X264_PRESETS as readonly string[]).includes(preset)) {
    throw new ConfigError('VIDEO_PRESET', `'${preset}' is not one of ${X264_PRESETS.join(', ')}`)
  }
  const ladder = parseLadder(readString(env, 'LADDER', DEFAULT_LADDER))
  const frameRate = readInteger(env, 'FRAME_RATE', 30, { min: 1, max: 60 })
  return Object.freeze({
    ...common,
    inputPath: readString(env, 'INPUT_STREAM_PATH', 'assets/stream.mp4'),
    segmentSeconds,
    ladder: Object.freeze(ladder),
    listSize,
    ffmpegPath: readString(env, 'FFMPEG_PATH', 'ffmpeg'),
    ffprobePath: readString(env, 'FFPROBE_PATH', 'ffprobe'),
    videoPreset: preset as X264Preset,
    frameRate,
    metricsPort: readPort(env, 'WORKER_METRICS_PORT', 9464)
  })
}
