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
  return { durationSeconds: duration, hasAudio: types.includes('audio') }
}
