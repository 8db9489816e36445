import type { InputInfo, Rational } from './input-probe.js'

/** The loop's audio: raw PCM, so its length is a sample count with no codec priming or padding. */
export const LOOP_AUDIO = { format: 's16le', sampleRate: 48_000, channels: 2, bytesPerSample: 4 } as const

/**
 * How the worker loops its input: a whole number of segments, so the picture at media sequence
 * number m is the loop's frame at (m mod segmentsPerLoop) x SEG, whatever the wall clock says.
 */
export interface LoopPlan {
  readonly segmentsPerLoop: number
  /** segmentsPerLoop x SEG: the exact length ffmpeg must advance by on each pass. */
  readonly loopSeconds: number
  /** Why the video is re-encoded once into an exact loop; undefined when the input already is one. */
  readonly reencodeReason: string | undefined
  /** The input is shorter than one segment: it is looped to fill one. */
  readonly fill: boolean
  /** Seconds at the end of the input video that fall outside the loop and are never shown. */
  readonly cutSeconds: number
  /** The input video's length as ffmpeg's -stream_loop measures it (packet span plus one frame). */
  readonly videoSeconds: number
}

function gcd (a: number, b: number): number {
  return b === 0 ? a : gcd(b, a % b)
}

/**
 * The ticks ffmpeg 5.1 advances a video-only input by on each -stream_loop pass: highest minus
 * lowest packet pts plus one frame at avg_frame_rate (fftools/ffmpeg.c, seek_to_start).
 */
export function videoLoopTicks (timeBase: Rational, avgFrameRate: Rational, minPts: number, maxPts: number): number {
  const [tbNum, tbDen] = timeBase
  const [frNum, frDen] = avgFrameRate
  const frame = frNum > 0 && tbNum > 0 ? Math.round((frDen * tbDen) / (frNum * tbNum)) : 1
  return maxPts - minPts + frame
}

/** Decides the loop for an input: pure, so every worker given the same file makes the same one. */
export function planLoop (info: InputInfo, segmentSeconds: number, frameRate: number): LoopPlan {
  const v = info.video
  const [tbNum, tbDen] = v.timeBase
  const ticks = videoLoopTicks(v.timeBase, v.avgFrameRate, v.minPts, v.maxPts)
  const videoSeconds = tbDen > 0 ? (ticks * tbNum) / tbDen : info.durationSeconds
  // half a frame of slack: a 19.99999 s video is 20 s, not 18 s and a cut
  const whole = Math.floor((videoSeconds + 0.5 / frameRate) / segmentSeconds)
  const fill = whole < 1
  const segmentsPerLoop = Math.max(1, whole)
  const loopSeconds = segmentsPerLoop * segmentSeconds
  const cutSeconds = fill ? 0 : Math.max(0, videoSeconds - loopSeconds)

  const [frNum, frDen] = v.avgFrameRate
  const divisor = frNum > 0 && frDen > 0 ? gcd(frNum, frDen) : 1
  let reencodeReason: string | undefined
  if (fill) {
    reencodeReason = `the video is ${videoSeconds.toFixed(3)} s, shorter than one ${segmentSeconds} s segment: it is looped to fill one`
  } else if (frNum / divisor !== frameRate || frDen / divisor !== 1) {
    reencodeReason = `its frame rate ${frNum}/${frDen} is not FRAME_RATE ${frameRate}`
  } else if (v.minPts !== 0 || info.startSeconds !== 0) {
    reencodeReason = `its timestamps start at ${info.startSeconds} s (video pts ${v.minPts}), not 0`
  } else if (cutSeconds * frameRate >= 0.5) {
    reencodeReason = `the video is ${videoSeconds.toFixed(3)} s, not a whole number of ${segmentSeconds} s segments: it is cut to ${loopSeconds} s`
  } else if (ticks * tbNum !== loopSeconds * tbDen || v.frames !== loopSeconds * frameRate) {
    reencodeReason = `its ${v.frames} frames do not span exactly ${loopSeconds} s at ${frameRate} fps (time base ${tbNum}/${tbDen})`
  }
  return { segmentsPerLoop, loopSeconds, reencodeReason, fill, cutSeconds, videoSeconds }
}
