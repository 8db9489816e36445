import type { ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { Readable } from 'node:stream'
import { SafeEmitter } from './safe-emitter.js'
import { spawnChild, type SpawnChildOptions } from './spawn-child.js'

export interface ChildExit {
  readonly pid: number
  readonly code: number | null
  readonly signal: NodeJS.Signals | null
  /** From spawn to exit. */
  readonly runMs: number
}

export interface ChildEvents {
  /** The process exists. */
  spawned: { readonly pid: number }
  /** It never became ready: it could not be started (`error`: ENOENT, EACCES, ...) or it exited first (`exit`). */
  failed: { readonly error?: NodeJS.ErrnoException, readonly exit?: ChildExit }
  /** It was ready and then ended without being asked to. Never for an exit close() or release() caused. */
  died: ChildExit
  /** It is gone, whatever the reason; once for every child that was spawned. */
  exited: ChildExit
  /** One line of its stdout or stderr, for the slots that are piped. */
  line: { readonly stream: 'stdout' | 'stderr', readonly line: string }
  /** A signal could not be delivered; the child may still run. */
  error: Error
}

export interface ChildSupervisorOptions extends SpawnChildOptions {
  readonly file: string
  readonly args: readonly string[]
  /**
   * Ready as soon as it is spawned (default), or only once the caller calls markReady() (nginx:
   * once it answers its health location). An exit before ready is a failure to start, not a death.
   */
  readonly readyOnSpawn?: boolean
  /** Let our event loop end while it runs (an edge keeps serving after its manager exits). */
  readonly unref?: boolean
  readonly now?: () => number
  /** Where a listener that threw is reported (default: a process warning). */
  readonly onListenerError?: (err: unknown, event: string) => void
}

/**
 * Supervises one run of one child process, in the shape of mediasoup's Worker: a failure to start
 * is told apart from a death later, exits it caused itself (close, release) are not deaths,
 * close() is idempotent, and events are typed and never throw into the exit handling. With
 * `ownGroup`, signals go to the child's process group, so its children go with it.
 */
export class ChildSupervisor extends SafeEmitter<ChildEvents> {
  readonly #options: ChildSupervisorOptions
  readonly #now: () => number
  #child: ChildProcess | undefined
  #started = false
  #ready = false
  #released = false
  #closing: Promise<void> | undefined
  #exit: ChildExit | undefined
  #spawnedAt = 0
  #settle!: () => void
  readonly #gone: Promise<void>

  constructor (options: ChildSupervisorOptions) {
    super(options.onListenerError)
    this.#options = options
    this.#now = options.now ?? Date.now
    this.#gone = new Promise((resolve) => { this.#settle = resolve })
  }

  /** Its pid while it runs. */
  get pid (): number | undefined {
    return this.running ? this.#child?.pid : undefined
  }

  /** The pipe on file descriptor `fd` (3 and up) of the running child, when that slot is 'pipe'. */
  pipe (fd: number): Readable | undefined {
    const stream = this.#child?.stdio[fd]
    return stream instanceof Readable ? stream : undefined
  }

  /** True from spawn until exit. */
  get running (): boolean {
    return this.#child?.pid !== undefined && this.#exit === undefined
  }

  /** How it ended, once it has. */
  get exit (): ChildExit | undefined {
    return this.#exit
  }

  /** Spawns it; resolves with its pid, or rejects with the spawn error (ENOENT, EACCES, ...). */
  async start (): Promise<number> {
    if (this.#started) throw new Error('ChildSupervisor.start() called twice')
    this.#started = true
    const { file, args, readyOnSpawn = true } = this.#options
    const child = spawnChild(file, args, this.#options)
    this.#child = child
    return await new Promise<number>((resolve, reject) => {
      child.once('spawn', () => {
        this.#spawnedAt = this.#now()
        if (this.#options.unref === true) child.unref()
        this.#ready ||= readyOnSpawn
        const pid = child.pid as number
        this.safeEmit('spawned', { pid })
        resolve(pid)
      })
      child.on('error', (error: NodeJS.ErrnoException) => {
        if (child.pid !== undefined) {
          this.safeEmit('error', error)
          return
        }
        // a spawn failure: no exit event follows
        this.#settle()
        this.safeEmit('failed', { error })
        reject(error)
      })
      child.once('exit', (code, signal) => { this.#onExit(code, signal) })
      this.#readLines(child)
    })
  }

  /** From now on an exit is a death (before: a failure to start). */
  markReady (): void {
    this.#ready = true
  }

  /** Stops reporting deaths: the exit that follows is one the caller causes or hands over. */
  release (): void {
    this.#released = true
  }

  /**
   * Sends a signal to the child (to its whole group with `ownGroup`); false when it is gone. An exit
   * it causes is a death unless release() came first.
   */
  signal (signal: NodeJS.Signals): boolean {
    const pid = this.pid
    if (pid === undefined) return false
    try {
      process.kill(this.#options.ownGroup === true ? -pid : pid, signal)
      return true
    } catch {
      return false
    }
  }

  /** Resolves true once it has exited (or never started), false when `ms` passed first. */
  async waitForExit (ms = Number.POSITIVE_INFINITY): Promise<boolean> {
    if (!this.#started || this.#exit !== undefined) return true
    if (!Number.isFinite(ms)) return await this.#gone.then(() => true)
    let timer: NodeJS.Timeout | undefined
    const timeout = new Promise<boolean>((resolve) => { timer = setTimeout(() => resolve(false), ms) })
    const gone = await Promise.race([this.#gone.then(() => true), timeout])
    clearTimeout(timer)
    return gone
  }

  /**
   * Stops it: SIGTERM, then SIGKILL after `graceMs` if it is still there; resolves once it has
   * exited. Idempotent: a second call waits for the first. The exit is not a death.
   */
  async close (graceMs = 5000): Promise<void> {
    this.#closing ??= this.#stop(graceMs)
    await this.#closing
  }

  async #stop (graceMs: number): Promise<void> {
    this.#released = true
    const pid = this.#child?.pid
    if (!this.running) return await this.waitForExit().then(() => {})
    this.signal('SIGTERM')
    if (!await this.waitForExit(graceMs)) {
      this.signal('SIGKILL')
      await this.waitForExit()
    }
    // a grandchild that outlived the child is still in its group (a group id is not reused while it has members)
    if (this.#options.ownGroup === true && pid !== undefined) {
      try { process.kill(-pid, 'SIGKILL') } catch {}
    }
  }

  #onExit (code: number | null, signal: NodeJS.Signals | null): void {
    const exit: ChildExit = { pid: this.#child?.pid ?? 0, code, signal, runMs: this.#now() - this.#spawnedAt }
    this.#exit = exit
    this.#settle()
    if (!this.#released) {
      if (this.#ready) this.safeEmit('died', exit)
      else this.safeEmit('failed', { exit })
    }
    this.safeEmit('exited', exit)
  }

  #readLines (child: ChildProcess): void {
    for (const stream of ['stdout', 'stderr'] as const) {
      const input = child[stream]
      if (input !== null) createInterface({ input }).on('line', (line) => this.safeEmit('line', { stream, line }))
    }
  }
}
