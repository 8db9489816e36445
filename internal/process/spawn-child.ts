import type { ChildProcess } from 'node:child_process'
import { execa, type Options } from 'execa'

/** One of the child's stdin, stdout, stderr: nothing, a pipe to us, or a file descriptor we opened. */
export type StdioSlot = 'ignore' | 'pipe' | number

export interface SpawnChildOptions {
  readonly cwd?: string
  /** The child's whole environment: nothing of ours is merged in, so a name left out stays out. */
  readonly env?: NodeJS.ProcessEnv
  /** stdin, stdout, stderr (default: ignore, pipe, pipe), then any further slots (fd 3, 4, ...). */
  readonly stdio?: readonly [StdioSlot, StdioSlot, StdioSlot, ...StdioSlot[]]
  /**
   * Its own process group (a new session), so a signal to the group reaches the child's children,
   * and a signal to our group (a terminal's Ctrl-C, a SIGKILL of our group) does not reach it.
   */
  readonly ownGroup?: boolean
}

/**
 * The one way this tree starts a long-lived child: execa with its conveniences turned off, since
 * the caller (a ChildSupervisor) owns the lifecycle: no output buffering (a long run would fill
 * memory, and execa kills a child past maxBuffer), no kill on our exit, no delayed SIGKILL of its
 * own, no rejected promise. A spawn failure arrives as the child's 'error' event (pid undefined).
 */
export function spawnChild (file: string, args: readonly string[], options: SpawnChildOptions = {}): ChildProcess {
  const subprocess = execa(file, args, {
    cwd: options.cwd,
    env: options.env,
    extendEnv: options.env === undefined,
    // execa passes a file descriptor through to node's spawn; its types only list that for fd 3 on
    stdio: [...options.stdio ?? ['ignore', 'pipe', 'pipe']] as Options['stdio'],
    detached: options.ownGroup === true,
    buffer: false,
    cleanup: false,
    forceKillAfterDelay: false,
    reject: false
  })
  // the outcome is read from the child's own events; the promise only must not go unhandled
  subprocess.catch(() => {})
  return subprocess as unknown as ChildProcess
}

export interface ToolResult {
  /** Exit code; null when it was killed (a timeout). */
  readonly code: number | null
  readonly stdout: string
  readonly stderr: string
  readonly timedOut: boolean
}

/**
 * Runs a short-lived tool (ffprobe, a one-off ffmpeg, nginx -t) to completion. A non-zero exit or
 * a timeout is an answer, not an error; only a failure to start rejects, with the spawn error
 * (ENOENT when the tool is missing).
 */
export async function runOnce (file: string, args: readonly string[], timeoutMs: number): Promise<ToolResult> {
  // execa: timeout, kill and output capture in one call
  const result = await execa(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', reject: false, stdin: 'ignore' })
  const spawnError = result.cause as NodeJS.ErrnoException | undefined
  if (result.failed && result.exitCode === undefined && !result.timedOut && spawnError !== undefined) throw spawnError
  return { code: result.exitCode ?? null, stdout: String(result.stdout), stderr: String(result.stderr), timedOut: result.timedOut }
}

/** True for the spawn errors that mean "this tool is not there" rather than "it failed". */
export function isMissingTool (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'EACCES'
}
