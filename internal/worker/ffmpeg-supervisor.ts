import type { Readable } from 'node:stream'
import type { Logger } from '../log/logger.js'
import { RESTART_BACKOFF, nextBackoffMs, type BackoffPolicy } from '../process/backoff.js'
import { ChildSupervisor, type ChildExit } from '../process/child-supervisor.js'
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
  /**
   * Where a run publishes from, for a run spawned at once (CMAF: ffmpeg reads unpaced and the worker
   * holds each part until its time, so the boundary may be past). Without it a run is spawned on the
   * next boundary and reads in real time.
   */
  readonly planRun?: (nowMs: number) => Boundary
  /**
   * Runs ffmpeg under `nice -n <niceness>`: a run that reads unpaced and is held ahead (CMAF) has
   * seconds of slack, and its bursts should yield the cores to processes with a deadline.
   */
  readonly niceness?: number
  /** Pipes on fd 3 and up, for outputs the worker reads itself (CMAF). */
  readonly extraPipes?: number
  readonly onSpawn?: (info: { pid: number, boundary: Boundary, pipe: (fd: number) => Readable | undefined }) => void
  /** A restart after a death or a failed spawn is planned on this boundary (said before the wait for it; not with planRun). */
  readonly onRestartPlanned?: (boundary: Boundary) => void
  /** A death close() did not cause; the supervisor restarts after `restartInMs`. */
  readonly onDied?: (exit: FfmpegExit & { restartInMs: number }) => void
  readonly onSpeed?: (speed: number) => void
}

/** A run at least this many segments long counts as healthy: its death restarts on the next boundary. */
const HEALTHY_RUN_SEGMENTS = 3

/**
 * Keeps one ffmpeg running, each run started on the next epoch boundary and watched by a
 * ChildSupervisor. A failure to spawn the very first run rejects start(); a later death is logged
 * and restarted with exponential backoff. Exits that close() causes are not deaths. ffmpeg stays
 * in the worker's process group, so a signal to the worker's group (Ctrl-C, a SIGKILL of the
 * group) takes it along.
 */
export class FfmpegSupervisor {
  private run: ChildSupervisor | undefined
  private timer: NodeJS.Timeout | undefined
  private closing: Promise<void> | undefined
  private started = false
  private lastRun = false
  private backoffMs: number | undefined
  private firstRun: { resolve: () => void, reject: (err: Error) => void } | undefined
  private readonly policy: BackoffPolicy

  constructor (private readonly options: FfmpegSupervisorOptions) {
    this.policy = options.backoff ?? RESTART_BACKOFF
  }

  /** PID of the running ffmpeg, if any. */
  get pid (): number | undefined {
    return this.run?.pid
  }

  /** Resolves once the first ffmpeg has been spawned; rejects with one clear error if it cannot be. */
  async start (): Promise<void> {
    if (this.started) throw new Error('FfmpegSupervisor.start() called twice')
    this.started = true
    const first = new Promise<void>((resolve, reject) => { this.firstRun = { resolve, reject } })
    this.scheduleRun(0, false)
    await first
  }

  /** Stops ffmpeg (SIGTERM, SIGKILL after the stop timeout) and restarts no more; idempotent. */
  async close (): Promise<void> {
    this.closing ??= this.stop()
    await this.closing
  }

  /** Lets the running ffmpeg go on to its own end (it may still be writing what it read) and starts no other. */
  finishRun (): void {
    this.lastRun = true
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
  }

  private async stop (): Promise<void> {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.timer = undefined
    this.firstRun?.reject(new Error('closed before ffmpeg started'))
    this.firstRun = undefined
    // SIGTERM lets ffmpeg finish the segment it is writing; SIGKILL if it hangs
    await this.run?.close(this.options.stopTimeoutMs ?? 5000)
  }

  private scheduleRun (delayMs: number, restart = true): void {
    this.timer = setTimeout(() => {
      // plan only after the backoff, so a restart lands on a fresh boundary
      const planned = this.options.planRun?.(Date.now())
      if (planned !== undefined) {
        this.spawnRun(planned)
        return
      }
      const boundary = nextBoundary(Date.now(), this.options.segmentSeconds)
      if (restart) this.options.onRestartPlanned?.(boundary)
      this.timer = setTimeout(() => { this.spawnRun(boundary) }, Math.max(0, boundary.t0Ms - Date.now()))
    }, delayMs)
  }

  private spawnRun (boundary: Boundary): void {
    this.timer = undefined
    if (this.closing !== undefined || this.lastRun) return
    const { ffmpegPath, log } = this.options
    const tail: string[] = []
    const extra = Array.from({ length: this.options.extraPipes ?? 0 }, () => 'pipe' as const)
    const args = this.options.argsFor(boundary)
    const niced = this.options.niceness === undefined ? { file: ffmpegPath, args } : { file: 'nice', args: ['-n', String(this.options.niceness), ffmpegPath, ...args] }
    const run = new ChildSupervisor({ ...niced, stdio: ['ignore', 'pipe', 'pipe', ...extra] })
    this.run = run
    run.on('spawned', ({ pid }) => {
      log.info({ pid, msn: boundary.msn, t0: new Date(boundary.t0Ms).toISOString() }, 'ffmpeg started')
      this.options.onSpawn?.({ pid, boundary, pipe: (fd) => run.pipe(fd) })
      this.firstRun?.resolve()
      this.firstRun = undefined
    })
    run.on('error', (err) => { log.warn({ err }, 'ffmpeg process error') })
    run.on('failed', ({ error }) => { if (error !== undefined) this.spawnFailed(error) })
    run.on('line', ({ stream, line }) => {
      if (stream === 'stdout') {
        const speed = parseProgressSpeed(line)
        if (speed !== undefined) this.options.onSpeed?.(speed)
        return
      }
      log.debug({ pid: run.pid, line }, 'ffmpeg')
      tail.push(line)
      if (tail.length > STDERR_TAIL) tail.shift()
    })
    run.on('exited', (exit) => {
      if (this.closing !== undefined) log.info({ pid: exit.pid, exitCode: exit.code, exitSignal: exit.signal }, 'ffmpeg stopped')
    })
    run.on('died', (exit) => { this.died(exit, tail) })
    // a spawn failure is reported through 'failed'
    run.start().catch(() => {})
  }

  private spawnFailed (err: NodeJS.ErrnoException): void {
    const { ffmpegPath, log } = this.options
    const error = err.code === 'ENOENT' || err.code === 'EACCES'
      ? new WorkerErrors.FFMPEG_MISSING('ffmpeg', ffmpegPath, 'FFMPEG_PATH')
      : new WorkerErrors.SPAWN_FAILED(ffmpegPath, err.message)
    if (this.firstRun !== undefined) {
      this.firstRun.reject(error)
      this.firstRun = undefined
      return
    }
    if (this.closing !== undefined) return
    const restartInMs = this.bumpBackoff(0)
    log.error({ err: error, restartInMs }, 'ffmpeg could not be started, retrying')
    this.scheduleRun(restartInMs)
  }

  private died (exit: ChildExit, tail: readonly string[]): void {
    if (this.lastRun) {
      this.options.log.info({ pid: exit.pid, exitCode: exit.code, exitSignal: exit.signal }, 'ffmpeg ended its last run')
      return
    }
    const restartInMs = this.bumpBackoff(exit.runMs)
    this.options.log.warn({ pid: exit.pid, exitCode: exit.code, exitSignal: exit.signal, runMs: exit.runMs, restartInMs, lastStderr: tail.slice(-5) }, 'ffmpeg died, restarting')
    this.options.onDied?.({ code: exit.code, signal: exit.signal, runMs: exit.runMs, lastStderr: [...tail], restartInMs })
    this.scheduleRun(restartInMs)
  }

  private bumpBackoff (runMs: number): number {
    // a run that lasted a few segments published them: its death is no crash loop, and the wait for
    // the next boundary is delay enough (one more would miss that boundary whenever the death came
    // late in a segment, and cost viewers a second MSN)
    const healthyMs = Math.min(this.policy.resetAfterMs ?? Number.POSITIVE_INFINITY, HEALTHY_RUN_SEGMENTS * this.options.segmentSeconds * 1000)
    if (runMs >= healthyMs) {
      this.backoffMs = undefined
      return 0
    }
    this.backoffMs = nextBackoffMs(this.backoffMs, runMs, this.policy)
    return this.backoffMs
  }
}
