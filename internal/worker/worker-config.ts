import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { readBoolean, readInteger, readPort, readString, type Env } from '../config/env-readers.js'
import type { Rendition } from '../streams/ladder.js'
import { readStreamVariables } from '../streams/stream-variables.js'
import { readCmafSettings, type CmafSettings } from './cmaf-config.js'
import { loadFleetConfig, type FleetConfig } from './fleet-config.js'

export const X264_PRESETS = ['ultrafast', 'superfast', 'veryfast', 'faster', 'fast', 'medium'] as const
export type X264Preset = typeof X264_PRESETS[number]

export interface WorkerConfig extends CommonConfig, CmafSettings {
  readonly inputPath: string
  /** Segment duration in whole seconds; boundaries fall on multiples of it since the Unix epoch. */
  readonly segmentSeconds: number
  readonly ladder: readonly Rendition[]
  readonly listSize: number
  readonly ffmpegPath: string
  readonly ffprobePath: string
  readonly videoPreset: X264Preset
  readonly frameRate: number
  /** WORKER_CATCH_UP: re-encode the segments a dead ffmpeg lost from a looped input (a short burst of CPU) rather than leave players a gap. */
  readonly catchUp: boolean
  /** 0 disables the metrics listener. */
  readonly metricsPort: number
  /** Set (by WORKER_ID) when the worker takes its streams from the fleet's assigner. */
  readonly fleet: FleetConfig | undefined
}

/** Reads and validates the worker's environment; throws ConfigError naming the variable. */
export function loadWorkerConfig (env: Env): WorkerConfig {
  const common = loadCommonConfig(env)
  const { inputPath, segmentSeconds, ladder } = readStreamVariables(env)
  // RFC 8216bis 6.2.2: a live playlist must cover at least three target durations
  const listSize = readInteger(env, 'HLS_LIST_SIZE', 6, { min: 3, max: 100, what: 'a whole number of segments from 3 to 100 (a live window must cover 3 target durations)' })
  const preset = readString(env, 'VIDEO_PRESET', 'superfast')
  if (!(X264_PRESETS as readonly string[]).includes(preset)) {
    throw new ConfigError('VIDEO_PRESET', `'${preset}' is not one of ${X264_PRESETS.join(', ')}`)
  }
  const frameRate = readInteger(env, 'FRAME_RATE', 30, { min: 1, max: 60 })
  return Object.freeze({
    ...common,
    inputPath,
    segmentSeconds,
    ladder,
    listSize,
    ffmpegPath: readString(env, 'FFMPEG_PATH', 'ffmpeg'),
    ffprobePath: readString(env, 'FFPROBE_PATH', 'ffprobe'),
    videoPreset: preset as X264Preset,
    frameRate,
    catchUp: readBoolean(env, 'WORKER_CATCH_UP', true),
    ...readCmafSettings(env, segmentSeconds, frameRate),
    metricsPort: readPort(env, 'WORKER_METRICS_PORT', 9464),
    fleet: loadFleetConfig(env)
  })
}
