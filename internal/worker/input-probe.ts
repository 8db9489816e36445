import { access, constants, stat } from 'node:fs/promises'
import { isMissingTool, runOnce, type ToolResult } from '../process/spawn-child.js'
import { WorkerErrors } from './worker-errors.js'

/** A rational as ffprobe prints it ("30/1", "1/15360"): [numerator, denominator]. */
export type Rational = readonly [number, number]

/** The first video stream's timing, from its packets (not decoded): what ffmpeg's -stream_loop goes by. */
export interface VideoTiming {
  readonly timeBase: Rational
  /** [0, 1] when the container does not say. */
  readonly avgFrameRate: Rational
  readonly frames: number
  /** Lowest and highest packet pts, in time-base ticks. */
  readonly minPts: number
  readonly maxPts: number
}

export interface InputInfo {
  /** Container duration, seconds. */
  readonly durationSeconds: number
  /** Container start time, seconds: ffmpeg measures every stream from it. */
  readonly startSeconds: number
  readonly hasAudio: boolean
  readonly video: VideoTiming
}

/** Fails with one clear line when a tool cannot be started (missing, not executable). */
export async function checkTool (tool: 'ffmpeg' | 'ffprobe', path: string, variable: string): Promise<void> {
  try {
    await runOnce(path, ['-version'], 10_000)
  } catch (err) {
    if (isMissingTool(err)) throw new WorkerErrors.FFMPEG_MISSING(tool, path, variable)
    throw err
  }
}

function parseRational (text: string | undefined): Rational {
  const match = /^(\d+)\/(\d+)$/.exec(text ?? '')
  return match === null ? [0, 1] : [Number(match[1]), Number(match[2])]
}

/**
 * A missing or unreadable input is a configuration error like any other bad variable: one line
 * naming INPUT_STREAM_PATH and what to do, no stack trace (its stack is that one line; the start
 * failure log prints it as is).
 */
function inputConfigError (inputPath: string, reason: string): Error {
  const err = new WorkerErrors.INPUT_UNREADABLE(inputPath, reason)
  err.stack = `${err.name} [${err.code}]: ${err.message}`
  return err
}

/** Checks the input is a readable file, then asks ffprobe for its duration, its streams and its video timing. */
export async function probeInput (ffprobePath: string, inputPath: string): Promise<InputInfo> {
  try {
    await access(inputPath, constants.R_OK)
    if (!(await stat(inputPath)).isFile()) throw new Error('not a regular file')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw inputConfigError(inputPath, reason === 'ENOENT' ? 'no such file (run: bash assets/make-sample-input.sh assets/stream.mp4)' : reason)
  }
  const ffprobe = async (args: string[]): Promise<ToolResult> => {
    try {
      return await runOnce(ffprobePath, ['-v', 'error', ...args, inputPath], 120_000)
    } catch (err) {
      if (isMissingTool(err)) throw new WorkerErrors.FFMPEG_MISSING('ffprobe', ffprobePath, 'FFPROBE_PATH')
      throw err
    }
  }
  const unplayable = (result: ToolResult): Error => {
    const firstError = result.stderr.trim().split('\n')[0] ?? ''
    return new WorkerErrors.INPUT_UNPLAYABLE(inputPath, firstError !== '' ? firstError : `ffprobe exited ${String(result.code)}`)
  }

  const result = await ffprobe(['-show_entries', 'format=duration,start_time:stream=codec_type,time_base,avg_frame_rate', '-of', 'json'])
  if (result.code !== 0) throw unplayable(result)
  type Probed = { format?: { duration?: string, start_time?: string }, streams?: Array<{ codec_type?: string, time_base?: string, avg_frame_rate?: string }> }
  let parsed: Probed
  try {
    parsed = JSON.parse(result.stdout) as Probed
  } catch {
    throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, 'ffprobe output is not JSON')
  }
  const duration = Number(parsed.format?.duration)
  const streams = parsed.streams ?? []
  const video = streams.find((s) => s.codec_type === 'video')
  if (video === undefined) throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, 'no video stream')
  if (!Number.isFinite(duration) || duration < 1) throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, `duration '${String(parsed.format?.duration)}' is under one second`)

  // packet pts only: cheap, and exactly what ffmpeg's loop arithmetic uses
  const packets = await ffprobe(['-select_streams', 'v:0', '-show_entries', 'packet=pts', '-of', 'csv=p=0'])
  if (packets.code !== 0) throw unplayable(packets)
  let minPts = Infinity
  let maxPts = -Infinity
  let frames = 0
  for (const line of packets.stdout.split('\n')) {
    const pts = Number.parseInt(line, 10)
    if (!Number.isInteger(pts)) continue
    frames++
    if (pts < minPts) minPts = pts
    if (pts > maxPts) maxPts = pts
  }
  if (frames === 0) throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, 'the video stream has no timestamped frames')
  const startSeconds = Number(parsed.format?.start_time)
  return {
    durationSeconds: duration,
    startSeconds: Number.isFinite(startSeconds) ? startSeconds : 0,
    hasAudio: streams.some((s) => s.codec_type === 'audio'),
    video: { timeBase: parseRational(video.time_base), avgFrameRate: parseRational(video.avg_frame_rate), frames, minPts, maxPts }
  }
}
