import { execa } from 'execa'
import { access, constants, stat } from 'node:fs/promises'
import { WorkerErrors } from './worker-errors.js'

export interface InputInfo {
  readonly durationSeconds: number
  readonly hasAudio: boolean
}

interface RunResult { readonly code: number | null, readonly stdout: string, readonly stderr: string }

/** Runs a short-lived tool to completion; rejects with the spawn error (ENOENT when it is missing). */
async function run (file: string, args: readonly string[], timeoutMs: number): Promise<RunResult> {
  // execa: timeout, kill and output capture in one call; a non-zero exit is an answer, not an error
  const result = await execa(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', reject: false, stdin: 'ignore' })
  const spawnError = result.cause as NodeJS.ErrnoException | undefined
  if (result.failed && result.exitCode === undefined && !result.timedOut && spawnError !== undefined) throw spawnError
  return { code: result.exitCode ?? null, stdout: String(result.stdout), stderr: String(result.stderr) }
}

function isMissing (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'EACCES'
}

/** Fails with one clear line when a tool cannot be started (missing, not executable). */
export async function checkTool (tool: 'ffmpeg' | 'ffprobe', path: string, variable: string): Promise<void> {
  try {
    await run(path, ['-version'], 10_000)
  } catch (err) {
    if (isMissing(err)) throw new WorkerErrors.FFMPEG_MISSING(tool, path, variable)
    throw err
  }
}

/** Checks the input is a readable file, then asks ffprobe for its duration and whether it has audio. */
export async function probeInput (ffprobePath: string, inputPath: string): Promise<InputInfo> {
  try {
    await access(inputPath, constants.R_OK)
    if (!(await stat(inputPath)).isFile()) throw new Error('not a regular file')
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? (err as Error).message
    throw new WorkerErrors.INPUT_UNREADABLE(inputPath, reason === 'ENOENT' ? 'no such file (run: bash assets/make-sample-input.sh assets/stream.mp4)' : reason)
  }
  let result: RunResult
  try {
    result = await run(ffprobePath, ['-v', 'error', '-show_entries', 'format=duration:stream=codec_type', '-of', 'json', inputPath], 30_000)
  } catch (err) {
    if (isMissing(err)) throw new WorkerErrors.FFMPEG_MISSING('ffprobe', ffprobePath, 'FFPROBE_PATH')
    throw err
  }
  const firstError = result.stderr.trim().split('\n')[0] ?? ''
  if (result.code !== 0) throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, firstError !== '' ? firstError : `ffprobe exited ${String(result.code)}`)
  let parsed: { format?: { duration?: string }, streams?: Array<{ codec_type?: string }> }
  try {
    parsed = JSON.parse(result.stdout) as typeof parsed
  } catch {
    throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, 'ffprobe output is not JSON')
  }
  const duration = Number(parsed.format?.duration)
  const types = (parsed.streams ?? []).map((s) => s.codec_type)
  if (!types.includes('video')) throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, 'no video stream')
  if (!Number.isFinite(duration) || duration < 1) throw new WorkerErrors.INPUT_UNPLAYABLE(inputPath, `duration '${String(parsed.format?.duration)}' is under one second`)
  const hasAudio = types.includes('audio')
  const loop = await loopSeconds(ffprobePath, inputPath, hasAudio)
  return { durationSeconds: loop ?? duration, hasAudio }
}

/**
 * The length ffmpeg's -stream_loop advances by on each pass, which is not the container duration:
 * ffmpeg 5.1 takes, per stream, the span of decoded timestamps plus the last audio frame's length
 * (an AAC file of 20.000 s loops every 20.0107 s). Seeking with the container duration puts two
 * workers that have looped a different number of times a fraction of a frame apart, so a frame
 * apart at times. Audio is decoded (cheap); video timestamps come from packets, undecoded.
 */
async function loopSeconds (ffprobePath: string, inputPath: string, hasAudio: boolean): Promise<number | undefined> {
  const span = async (stream: 'a' | 'v', entries: string): Promise<number[][]> => {
    const result = await run(ffprobePath, ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', entries, '-of', 'csv=p=0', inputPath], 120_000)
    if (result.code !== 0) return []
    return result.stdout.trim().split('\n').map((line) => line.split(',').map(Number)).filter((v) => v.every((n) => Number.isFinite(n)))
  }
  const video = await span('v', 'packet=pts_time,duration_time')
  if (video.length === 0) return undefined
  const videoPts = video.map((v) => v[0] as number)
  const videoLast = video[videoPts.indexOf(Math.max(...videoPts))] as number[]
  // with audio, ffmpeg leaves out the last video frame's length ("not defined exactly")
  let loop = Math.max(...videoPts) - Math.min(...videoPts) + (hasAudio ? 0 : (videoLast[1] ?? 0))
  if (hasAudio) {
    const rate = (await span('a', 'stream=sample_rate'))[0]?.[0] ?? 0
    const frames = await span('a', 'frame=pts_time,nb_samples')
    const last = frames.at(-1)
    const first = frames[0]
    if (last !== undefined && first !== undefined && rate > 0) {
      loop = Math.max(loop, (last[0] as number) - (first[0] as number) + (last[1] as number) / rate)
    }
  }
  return loop > 1 ? loop : undefined
}
