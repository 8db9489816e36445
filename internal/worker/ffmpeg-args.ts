import { join } from 'node:path'
import { PLAYLIST_FILE } from '../hls/names.js'
import type { Rendition } from '../streams/ladder.js'
import { h264LevelIdc, levelArg } from './codec-string.js'
import { audioLeadSamples } from './epoch-clock.js'
import { LOOP_AUDIO } from './loop-plan.js'

/** The private playlist ffmpeg writes; a leading dot makes every packager refuse to serve it. */
export const PRIVATE_PLAYLIST = '.ffmpeg.m3u8'
export const PUBLIC_PLAYLIST = PLAYLIST_FILE

export interface FfmpegArgsOptions {
  /** The loop's video: the input, or its exact re-encoded copy. */
  readonly videoPath: string
  /** The loop's audio: raw PCM in LOOP_AUDIO's format, exactly loopSeconds long. */
  readonly audioPath: string
  /** Length of one pass of the loop, a whole number of segments. */
  readonly loopSeconds: number
  /** Where in the loop to start, seconds: (startMsn mod segmentsPerLoop) x SEG. */
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
  /**
   * A catch-up run: this many seconds from t0, read as fast as ffmpeg can (no -re), then it exits.
   * It re-encodes the segments a dead run lost, which are already in the past.
   */
  readonly catchUpSeconds?: number
}

/** Folder of a rendition under the signal folder: a one-rung ladder writes flat, beside playlist.m3u8. */
export function renditionDir (signalDir: string, ladder: readonly Rendition[], rendition: Rendition): string {
  return ladder.length === 1 ? signalDir : join(signalDir, rendition.name)
}

/**
 * The ffmpeg command line for one epoch-locked run: one process encodes the whole ladder, GOP
 * fixed at fps x SEG so segments cut exactly on wall-clock boundaries, numbering from t0/SEG.
 *
 * The loop is two inputs joined by the concat filter: a partial first pass that seeks to the
 * offset, then the file looped from its start. ffmpeg 5.1 must never see -ss and -stream_loop on
 * one input: it keeps the seek's timestamp shift on every pass but measures a pass from where the
 * seek landed, so later passes overlap and the picture jumps at each wrap. Without -ss each pass
 * is exactly loopSeconds (video: packet span plus one frame; PCM: its sample count), and
 * -itsoffset lines the looped input up with the wall clock for -re.
 */
export function buildFfmpegArgs (o: FfmpegArgsOptions): string[] {
  const args = loopInputArgs({ ...o, paced: o.catchUpSeconds === undefined })
  o.ladder.forEach((_, i) => args.push('-map', `[v${i}]`))
  o.ladder.forEach((_, i) => args.push('-map', `[a${i}]`))

  args.push(...ladderEncoderArgs(o))
  if (o.catchUpSeconds !== undefined) args.push('-t', o.catchUpSeconds.toFixed(3))
  // timestamps follow the wall clock: the run's first frame is stamped t0
  args.push(...epochHlsOutputArgs(o))
  return args
}

/**
 * The looped input from `loopOffsetSeconds` and the filter graph that makes the ladder's pictures
 * `[v<i>]` and sounds `[a<i>]` from it, with the sound's lead computed for `t0Ms` (the run's first
 * frame). Read in real time (-re) when `paced`; as fast as ffmpeg can otherwise.
 */
export function loopInputArgs (o: Pick<FfmpegArgsOptions, 'videoPath' | 'audioPath' | 'loopSeconds' | 'loopOffsetSeconds' | 'ladder' | 'frameRate' | 't0Ms'> & { readonly paced: boolean }): string[] {
  const offset = o.loopOffsetSeconds.toFixed(6)
  const rest = (o.loopSeconds - o.loopOffsetSeconds).toFixed(6)
  const pcm = ['-f', LOOP_AUDIO.format, '-ar', String(LOOP_AUDIO.sampleRate), '-ac', String(LOOP_AUDIO.channels)]
  const re = o.paced ? ['-re'] : []
  return [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'level+warning', '-nostats', '-progress', 'pipe:1',
    ...re, '-ss', offset, '-i', o.videoPath,
    ...re, '-ss', offset, ...pcm, '-i', o.audioPath,
    ...re, '-itsoffset', rest, '-stream_loop', '-1', '-i', o.videoPath,
    ...re, '-itsoffset', rest, '-stream_loop', '-1', ...pcm, '-i', o.audioPath,
    '-filter_complex', [
      // concat wants every part to start at 0
      '[2:v:0]setpts=PTS-STARTPTS[lv]', '[3:a:0]asetpts=PTS-STARTPTS[la]',
      '[0:v:0][1:a:0][lv][la]concat=n=2:v=1:a=1[cv][ca]',
      ...ladderSplitFilters(o)
    ].join(';')
  ]
}

/**
 * From one picture `[cv]` and one sound `[ca]`, both starting at t0, the ladder's outputs [v<i>]
 * and [a<i>]: the picture at FRAME_RATE and each rung's size, the sound led by a little silence so
 * its AAC frames fall on the epoch's 1024-sample grid (audioLeadSamples).
 */
export function ladderSplitFilters (o: Pick<FfmpegArgsOptions, 'ladder' | 'frameRate' | 't0Ms'>): string[] {
  const n = o.ladder.length
  const splits = o.ladder.map((_, i) => `[s${i}]`).join('')
  const scales = o.ladder.map((r, i) => `[s${i}]scale=${r.width}:${r.height},setsar=1[v${i}]`).join(';')
  const audios = o.ladder.map((_, i) => `[a${i}]`).join('')
  const rate = LOOP_AUDIO.sampleRate
  const lead = audioLeadSamples(o.t0Ms, rate)
  const audio = lead === 0
    ? [`[ca]asplit=${n}${audios}`]
    : [`anullsrc=channel_layout=stereo:sample_rate=${rate},atrim=end_sample=${lead}[lead]`,
        `[lead][ca]concat=n=2:v=0:a=1,asettb=1/${rate},asetpts=PTS-${lead},asplit=${n}${audios}`]
  return [`[cv]fps=${o.frameRate},split=${n}${splits}`, scales, ...audio]
}

/** The ladder's encoder settings: GOP fixed at fps x SEG, a keyframe on every boundary, one rule for loop, live and slate. */
export function ladderEncoderArgs (o: Pick<FfmpegArgsOptions, 'ladder' | 'frameRate' | 'segmentSeconds' | 'preset'>): string[] {
  const gop = o.frameRate * o.segmentSeconds
  const args = [
    '-c:v', 'libx264', '-preset', o.preset, '-pix_fmt', 'yuv420p',
    '-g', String(gop), '-keyint_min', String(gop), '-sc_threshold', '0',
    '-force_key_frames', `expr:gte(t,n_forced*${o.segmentSeconds})`,
    // SPS/PPS before every keyframe: each segment decodes on its own, as INDEPENDENT-SEGMENTS claims
    '-x264-params', 'repeat-headers=1'
  ]
  o.ladder.forEach((r, i) => {
    args.push(
      `-profile:v:${i}`, 'main', `-level:v:${i}`, levelArg(h264LevelIdc(r, o.frameRate)),
      `-b:v:${i}`, `${r.videoKbps}k`, `-maxrate:v:${i}`, `${Math.round(r.videoKbps * 1.1)}k`, `-bufsize:v:${i}`, `${r.videoKbps * 2}k`
    )
  })
  args.push('-c:a', 'aac', '-ac', '2', '-ar', '48000')
  o.ladder.forEach((r, i) => args.push(`-b:a:${i}`, `${r.audioKbps}k`))
  return args
}

/**
 * The HLS output of a run that starts on boundary t0: timestamps shifted onto the wall clock,
 * segments named by their MSN from t0 / SEG, one private playlist per rendition.
 */
export function epochHlsOutputArgs (o: Pick<FfmpegArgsOptions, 't0Ms' | 'startMsn' | 'segmentSeconds' | 'listSize' | 'deleteThreshold' | 'ladder' | 'signalDir'>): string[] {
  const args = ['-output_ts_offset', (o.t0Ms / 1000).toFixed(3),
    '-f', 'hls', '-hls_time', String(o.segmentSeconds), '-hls_list_size', String(o.listSize),
    '-hls_delete_threshold', String(o.deleteThreshold),
    '-hls_flags', 'independent_segments+temp_file+delete_segments',
    '-hls_segment_type', 'mpegts',
    '-hls_start_number_source', 'generic', '-start_number', String(o.startMsn)
  ]
  if (o.ladder.length === 1) {
    args.push('-hls_segment_filename', join(o.signalDir, '%d.ts'), join(o.signalDir, PRIVATE_PLAYLIST))
  } else {
    const map = o.ladder.map((r, i) => `v:${i},a:${i},name:${r.name}`).join(' ')
    args.push('-hls_segment_filename', join(o.signalDir, '%v', '%d.ts'), '-var_stream_map', map, join(o.signalDir, '%v', PRIVATE_PLAYLIST))
  }
  return args
}
