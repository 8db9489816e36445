import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { Logger } from '../log/logger.js'
import { DEFAULT_BACKOFF, nextBackoffMs, type BackoffPolicy } from './backoff.js'
import { nextBoundary, type Boundary } from './epoch-clock.js'
import { parseProgressSpeed } from './progress-parser.js'
import { WorkerErrors } from './worker-errors.js'

const STDERR_TAIL = 20

export interface FfmpegExit {
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  readonly runMs: number
  readonly lastStderr: readonly string[]
}

export interface FfmpegSupervisorOptions {
  readonly ffmpegPath: string
  readonly segmentSeconds: number
  /** The command line for a run that starts on this boundary. */
  readonly argsFor: (boundary: Boundary) => string[]
  readonly log: Logger
  readonly backoff?: BackoffPolicy
  /** How long ffmpeg gets to exit after SIGTERM before SIGKILL. */
  readonly stopTimeoutMs?: number
  readonly onSpawn?: (info: { pid: number, boundary: Boundary }) => void
  /** A death close() did not cause; the supervisor restarts after `restartInMs`. */
  readonly onDied?: (exit: FfmpegExit & { restartInMs: number }) => void
  readonly onSpeed?: (speed: number) => void
}

/**
 * Keeps one ffmpeg running, each run started on the next epoch boundary. A failure to spawn the
 * very first run rejects start(); a later death is logged and restarted with exponential backoff.
 * Exits that close() causes are not deaths.
 */
export class FfmpegSupervisor {
  private child: ChildProcess | undefined
  private timer: NodeJS.Timeout | undefined
  private closing = false
  private started = false
  private backoffMs: number | undefined
  private exited: Promise<void> = Promise.resolve()
  private firstRun: { resolve: () => void, reject: (err: Error) => void } | undefined
  private readonly policy: BackoffPolicy

  constructor (private readonly options: FfmpegSupervisorOptions) {
    this.policy = options.backoff ?? DEFAULT_BACKOFF
  }

  /** PID of the running ffmpeg, if any. */
  get pid (): number | undefined {
    return this.child?.pid
  }

  /** Resolves once the first ffmpeg has been spawned; rejects with one clear error if it cannot be. */
  async start (): Promise<void> {
    if (this.started) throw new Error('FfmpegSupervisor.start() called twice')
    this.started = true
    const first = new Promise<void>((resolve, reject) => { this.firstRun = { resolve, reject } })
    this.scheduleRun(0)
    await first
  }

  async close (): Promise<void> {
    if (this.closing) return await this.exited
    this.closing = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.firstRun?.reject(new Error('closed before ffmpeg started'))
    this.firstRun = undefined
    const child = this.child
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      // SIGTERM lets ffmpeg finish the segment it is writing; SIGKILL if it hangs
      child.kill('SIGTERM')
      const force = setTimeout(() => child.kill('SIGKILL'), this.options.stopTimeoutMs ?? 5000)
      await this.exited
      clearTimeout(force)
    }
  }

  private scheduleRun (delayMs: number): void {
    this.timer = setTimeout(() => {
      // wait for the next boundary only after the backoff, so a restart lands on a fresh boundary
      const boundary = nextBoundary(Date.now(), this.options.segmentSeconds)
      this.timer = setTimeout(() => { this.spawnRun(boundary) }, Math.max(0, boundary.t0Ms - Date.now()))
    }, delayMs)
  }

  private spawnRun (boundary: Boundary): void {
    this.timer = undefined
    if (this.closing) return
    const { ffmpegPath, log } = this.options
    const args = this.options.argsFor(boundary)
    const startedAt = Date.now()
    const tail: string[] = []
    const child = spawn(ffmpegPath, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    this.child = child
    let spawned = false
    let resolveExited!: () => void
    this.exited = new Promise((resolve) => { resolveExited = resolve })

    child.once('spawn', () => {
      spawned = true
      log.info({ pid: child.pid, msn: boundary.msn, t0: new Date(boundary.t0Ms).toISOString() }, 'ffmpeg started')
      this.options.onSpawn?.({ pid: child.pid ?? 0, boundary })
      this.firstRun?.resolve()
      this.firstRun = undefined
    })
    child.once('error', (err: NodeJS.ErrnoException) => {
      if (spawned) {
        log.warn({ err }, 'ffmpeg process error')
        return
      }
      // a spawn failure, not a death: no exit event follows
      this.child = undefined
      resolveExited()
      const error = err.code === 'ENOENT' || err.code === 'EACCES'
        ? new WorkerErrors.FFMPEG_MISSING('ffmpeg', ffmpegPath, 'FFMPEG_PATH')
        : new WorkerErrors.SPAWN_FAILED(ffmpegPath, err.message)
      if (this.firstRun !== undefined) {
        this.firstRun.reject(error)
        this.firstRun = undefined
        return
      }
      if (this.closing) return
      const restartInMs = this.bumpBackoff(0)
      log.error({ err: error, restartInMs }, 'ffmpeg could not be started, retrying')
      this.scheduleRun(restartInMs)
    })

    createInterface({ input: child.stderr! }).on('line', (line) => {
      log.debug({ pid: child.pid, line }, 'ffmpeg')
      tail.push(line)
      if (tail.length > STDERR_TAIL) tail.shift()
    })
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const speed = parseProgressSpeed(line)
      if (speed !== undefined) this.options.onSpeed?.(speed)
    })

    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined
      resolveExited()
      if (this.closing) {
        log.info({ pid: child.pid, exitCode: code, exitSignal: signal }, 'ffmpeg stopped')
        return
      }
      const runMs = Date.now() - startedAt
      const restartInMs = this.bumpBackoff(runMs)
      log.warn({ pid: child.pid, exitCode: code, exitSignal: signal, runMs, restartInMs, lastStderr: tail.slice(-5) }, 'ffmpeg died, restarting')
      this.options.onDied?.({ code, signal, runMs, lastStderr: [...tail], restartInMs })
      this.scheduleRun(restartInMs)
    })
  }

  private bumpBackoff (runMs: number): number {
    this.backoffMs = nextBackoffMs(this.backoffMs, runMs, this.policy)
    return this.backoffMs
  }
}
