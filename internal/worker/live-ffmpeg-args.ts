import type { PublishAnchor } from '../streams/publish-record.js'
import { epochHlsOutputArgs, ladderEncoderArgs, ladderSplitFilters, type FfmpegArgsOptions } from './ffmpeg-args.js'
import { LOOP_AUDIO } from './loop-plan.js'

/** A live run's settings: the loop's own output settings, with the pull in place of the loop files. */
export type LiveArgsOptions = Pick<FfmpegArgsOptions, 't0Ms' | 'startMsn' | 'segmentSeconds' | 'listSize' | 'deleteThreshold' | 'ladder' | 'frameRate' | 'preset' | 'signalDir'> & {
  /** The ingest's RTMP URL of the stream with its play token. */
  readonly inputUrl: string
  readonly anchor: PublishAnchor
  readonly hasAudio: boolean
  /** ffmpeg gives up on a pull that sends nothing for this long, so a silent ingest ends the run. */
  readonly readTimeoutMs: number
}

/**
 * Seconds to add to a publisher timestamp (seconds) to get its time relative to t0 on the epoch
 * grid: the shared anchor says source_ms is epoch_ms, whichever worker pulls it and whenever.
 */
export function liveShiftSeconds (anchor: PublishAnchor, t0Ms: number): number {
  return (anchor.epoch_ms - t0Ms - anchor.source_ms) / 1000
}

/**
 * The ffmpeg command line of one live run: the publisher's own timestamps (-copyts) moved onto
 * the epoch grid by the anchor, cut at t0 and resampled to FRAME_RATE on the grid (fps picks the
 * frame nearest each grid instant, so two workers given the same packets pick the same frames),
 * then the same ladder, GOP and HLS output as the loop. The first segments of a run may start
 * before the pull's first keyframe (fps pads them); the publisher (live-selection.ts) skips them.
 */
export function buildLiveFfmpegArgs (o: LiveArgsOptions): string[] {
  const shift = liveShiftSeconds(o.anchor, o.t0Ms).toFixed(6)
  const rate = LOOP_AUDIO.sampleRate
  const sound = o.hasAudio
    ? `[0:a:0]asetpts=PTS+(${shift})/TB,aresample=${rate}:async=1:first_pts=0,aformat=sample_rates=${rate}:channel_layouts=stereo,atrim=start=0[ca]`
    : `anullsrc=channel_layout=stereo:sample_rate=${rate}[ca]`
  const args = [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1',
    '-copyts', '-rw_timeout', String(o.readTimeoutMs * 1000), '-i', o.inputUrl,
    '-filter_complex', [
      `[0:v:0]setpts=PTS+(${shift})/TB,trim=start=0,fps=${o.frameRate}:start_time=0[cv]`,
      sound,
      // the ladder's own fps is a no-op on frames already on the grid
      ...ladderSplitFilters(o)
    ].join(';')
  ]
  o.ladder.forEach((_, i) => args.push('-map', `[v${i}]`))
  o.ladder.forEach((_, i) => args.push('-map', `[a${i}]`))
  args.push(...ladderEncoderArgs(o), ...epochHlsOutputArgs(o))
  return args
}
