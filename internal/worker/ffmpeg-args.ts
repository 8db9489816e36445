import { join } from 'node:path'
import type { Rendition } from './ladder.js'
import { h264LevelIdc, levelArg } from './codec-string.js'

/** The private playlist ffmpeg writes; a leading dot makes every packager refuse to serve it. */
export const PRIVATE_PLAYLIST = '.ffmpeg.m3u8'
export const PUBLIC_PLAYLIST = 'playlist.m3u8'

export interface FfmpegArgsOptions {
  readonly inputPath: string
  readonly inputHasAudio: boolean
  /** Where in the looped input to start, seconds. */
  readonly loopOffsetSeconds: number
  /** The boundary the run starts on, ms since the epoch; becomes the output timestamp origin. */
  readonly t0Ms: number
  readonly startMsn: number
  readonly segmentSeconds: number
  readonly listSize: number
  readonly deleteThreshold: number
  readonly ladder: readonly Rendition[]
  readonly frameRate: number
  readonly preset: string
  /** The signal's output folder, e.g. output/live01. */
  readonly signalDir: string
}

/** Folder of a rendition under the signal folder: a one-rung ladder writes flat, beside playlist.m3u8. */
export function renditionDir (signalDir: string, ladder: readonly Rendition[], rendition: Rendition): string {
  return ladder.length === 1 ? signalDir : join(signalDir, rendition.name)
}

/**
 * The ffmpeg command line for one epoch-locked run: one process encodes the whole ladder, GOP
 * fixed at fps x SEG so segments cut exactly on wall-clock boundaries, numbering from t0/SEG.
 */
export function buildFfmpegArgs (o: FfmpegArgsOptions): string[] {
  const n = o.ladder.length
  const gop = o.frameRate * o.segmentSeconds
  const args = [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1',
    '-stream_loop', '-1', '-ss', o.loopOffsetSeconds.toFixed(6), '-re', '-i', o.inputPath
  ]
  if (!o.inputHasAudio) args.push('-f', 'lavfi', '-i', 'anullsrc=channel_layout=stereo:sample_rate=48000')
  const audioInput = o.inputHasAudio ? '0:a:0' : '1:a:0'

  const splits = o.ladder.map((_, i) => `[s${i}]`).join('')
  const scales = o.ladder.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1[v${i}]`).join(';')
  args.push('-filter_complex', `[0:v:0]fps=${o.frameRate},split=${n}${splits};${scales}`)
  o.ladder.forEach((_, i) => args.push('-map', `[v${i}]`))
  o.ladder.forEach(() => args.push('-map', audioInput))

  args.push(
    '-c:v', 'libx264', '-preset', o.preset, '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`,
    // SPS/PPS before every keyframe: each segment decodes on its own, as INDEPENDENT-SEGMENTS claims
    '-x264-params', 'repeat-headers=1'
  )
  o.ladder.forEach((r, i) => {
    args.push(
      `-profile:v:${i}`, 'main', `-level:v:${i}`, levelArg(h264LevelIdc(r, o.frameRate)),
      `-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.1)}k`, `-bufsize:v:${i}`, `${r.videoKbps * 2}k`
    )
  })
  args.push('-c:a', 'aac', '-ac', '2', '-ar', '48000')
  o.ladder.forEach((r, i) => args.push(`-b:a:${i}`, `${r.audioKbps}k`))

  // timestamps follow the wall clock: the run's first frame is stamped t0
  args.push('-output_ts_offset', (o.t0Ms / 1000).toFixed(3))
  args.push(
    '-f', 'hls', '-hls_time', String(o.segmentSeconds), '-hls_list_size', String(o.listSize),
    '-hls_delete_threshold', String(o.deleteThreshold),
    '-hls_flags', 'independent_segments+temp_file+delete_segments',
    '-hls_segment_type', 'mpegts',
    '-hls_start_number_source', 'generic', '-start_number', String(o.startMsn)
  )
  if (n === 1) {
    args.push('-hls_segment_filename', join(o.signalDir, '%d.ts'), join(o.signalDir, PRIVATE_PLAYLIST))
  } else {
    const map = o.ladder.map((r, i) => `v:${i},a:${i},name:${r.name}`).join(' ')
    args.push(
      '-hls_segment_filename', join(o.signalDir, '%v', '%d.ts'),
      '-var_stream_map', map,
      join(o.signalDir, '%v', PRIVATE_PLAYLIST)
    )
  }
  return args
}
