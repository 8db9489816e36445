import type { Rendition } from '../streams/ladder.js'
import { h264LevelIdc, levelArg } from './codec-string.js'
import { loopOffsetSeconds } from './epoch-clock.js'
import { loopInputArgs } from './ffmpeg-args.js'

/**
 * A CMAF run starts this long before its first boundary and throws the head away. Two workers cut
 * the same bytes only once their encoders forgot how they started: measured with Debian's ffmpeg
 * 5.1, the native AAC encoder's last start-dependent frame came 1.8 s in (20 starts); x264 with a
 * constant quantizer depends on nothing before its IDR. Whole seconds, so it is whole frames at any FRAME_RATE.
 */
export const PREROLL_SECONDS = 3

/** Timescale of the video track: 90 kHz, as MPEG-TS, so any whole-millisecond time is whole ticks. */
export const VIDEO_TIMESCALE = 90_000

/**
 * x264's constant quantizer for every rung. CRF and bitrate targets carry the run's history: the
 * I-frame quantizer follows a running average of the P-frames' (x264 decays it by 0.95 a frame),
 * and two workers started 2 s apart still differed 3 s after the later one's start.
 */
export const CMAF_QP = 25

export interface CmafArgsOptions {
  readonly videoPath: string
  readonly audioPath: string
  readonly loopSeconds: number
  readonly segmentsPerLoop: number
  /** The first boundary the run publishes, and its MSN. */
  readonly t0Ms: number
  readonly startMsn: number
  readonly segmentSeconds: number
  readonly ladder: readonly Rendition[]
  readonly frameRate: number
  readonly preset: string
}

/** The pipes a rendition's two outputs are written to: video on fd 3 + 2i, audio on fd 4 + 2i. */
export function cmafPipes (renditionIndex: number): { video: number, audio: number } {
  return { video: 3 + 2 * renditionIndex, audio: 4 + 2 * renditionIndex }
}

/** Native AAC VBR quality for a rung's audio bitrate: 128 kbit/s is about q 1 (stereo, 48 kHz). */
export function aacQuality (audioKbps: number): string {
  return Math.min(2, Math.max(0.3, audioKbps / 128)).toFixed(2)
}

/**
 * ffmpeg for a CMAF run: the loop read unpaced from PREROLL_SECONDS before t0, and per rung one
 * video and one audio fragmented MP4 on pipes, one sample per fragment, for the worker to cut into
 * parts.
 *
 * Everything that could make two workers' bytes differ is pinned: bit-exact muxing and encoding,
 * no B-frames, CAVLC (x264's CABAC ends some slices with a byte that differs between runs), a
 * constant quantizer, AAC in VBR mode. x264 toggles idr_pic_id on every IDR, so the pre-roll holds one
 * or two forced IDRs: the IDR of segment m is then the same parity of IDR in every run.
 */
export function buildCmafFfmpegArgs (o: CmafArgsOptions): string[] {
  const startMs = o.t0Ms - PREROLL_SECONDS * 1000
  const offset = (loopOffsetSeconds(o.startMsn, o.segmentsPerLoop, o.segmentSeconds) - PREROLL_SECONDS) % o.loopSeconds
  const args = loopInputArgs({
    videoPath: o.videoPath,
    audioPath: o.audioPath,
    loopSeconds: o.loopSeconds,
    loopOffsetSeconds: offset < 0 ? offset + o.loopSeconds : offset,
    ladder: o.ladder,
    frameRate: o.frameRate,
    t0Ms: startMs,
    // the worker paces the run: it holds each part until its end time and stops reading when ahead
    paced: false
  })
  // the first frame is always an IDR; a second makes t0's IDR the one with the parity of its MSN
  const prerollIdrs = o.startMsn % 2 === 0 ? 2 : 1
  const keyframes = `expr:if(lt(n,${prerollIdrs}),1,gte(t-${PREROLL_SECONDS}+0.0001,(n_forced-${prerollIdrs})*${o.segmentSeconds}))`
  const gop = String(o.frameRate * o.segmentSeconds)
  const fragmented = ['-f', 'mp4', '-movflags', '+empty_moov+default_base_moof+frag_every_frame', '-flush_packets', '1', '-fflags', '+bitexact']
  o.ladder.forEach((r, i) => {
    const pipes = cmafPipes(i)
    args.push(
      '-map', `[v${i}]`, '-c:v', 'libx264', '-preset', o.preset, '-pix_fmt', 'yuv420p',
      '-profile:v', 'main', '-level:v', levelArg(h264LevelIdc(r, o.frameRate)), '-qp', String(CMAF_QP), '-bf', '0',
      '-g', gop, '-keyint_min', gop, '-sc_threshold', '0', '-force_key_frames', keyframes,
      '-x264-params', 'cabac=0', '-flags:v', '+bitexact', '-video_track_timescale', String(VIDEO_TIMESCALE),
      ...fragmented, `pipe:${pipes.video}`,
      '-map', `[a${i}]`, '-c:a', 'aac', '-q:a', aacQuality(r.audioKbps), '-ac', '2', '-ar', '48000', '-flags:a', '+bitexact',
      ...fragmented, `pipe:${pipes.audio}`
    )
  })
  return args
}
