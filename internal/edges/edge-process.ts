import type { ChildSupervisor } from '../process/child-supervisor.js'
import type { EdgeRecord, EdgeStateDir } from './edge-state-dir.js'
import { superviseWatchdog } from './edge-watchdog.js'
import { EdgesErrors } from './edges-errors.js'
import { isProcessAlive, isProcessRunning, signalGroup, signalProcess, waitUntil } from './process-tools.js'

export interface EdgeLaunch {
  readonly id: string
  readonly port: number
  readonly dir: EdgeStateDir
  readonly nginxPath: string
  readonly graceSeconds: number
  /** Resolves true once the new nginx answers its health location. */
  readonly isHealthy: () => Promise<boolean>
  readonly startTimeoutMs: number
  /** Between health checks while it starts (default 50 ms); a hand-over asks more often, to kill the hung edge sooner. */
  readonly pollMs?: number
}

/**
 * One nginx edge under its watchdog, either started by this manager (a supervised child: its
 * death is an event) or adopted from a previous one (found by pid: liveness is polled). Tells a
 * failure at start apart from a death later, and ignores the exit it caused itself.
 */
export class EdgeProcess {
  readonly #dir: EdgeStateDir
  readonly #watchdog: ChildSupervisor | undefined
  #onDeath: (() => void) | undefined

  private constructor (
    readonly id: string,
    readonly port: number,
    /** Also the process group of the watchdog, nginx and its workers. */
    readonly watchdogPid: number,
    readonly nginxPid: number,
    readonly adopted: boolean,
    dir: EdgeStateDir,
    watchdog: ChildSupervisor | undefined
  ) {
    this.#dir = dir
    this.#watchdog = watchdog
    // 'died' is never told for an exit release() announced (stop, kill, hand-over)
    watchdog?.on('died', () => this.#onDeath?.())
    watchdog?.markReady()
  }

  /** Starts nginx under a watchdog and waits until it is healthy; throws EDGES_ERR_START_FAILED with nginx's own words. */
  static async launch (options: EdgeLaunch): Promise<EdgeProcess> {
    const { dir, port } = options
    const log = await dir.openWatchdogLog(port)
    const watchdog = superviseWatchdog({
      nginxPath: options.nginxPath,
      prefix: dir.prefix(port),
      configPath: dir.configPath(port),
      aliveFile: dir.aliveFile,
      graceSeconds: options.graceSeconds,
      stderrFd: log.fd
    })
    let pid: number
    try {
      pid = await watchdog.start()
    } catch {
      throw new EdgesErrors.START_FAILED(options.id, 'could not spawn sh')
    } finally {
      await log.close()
    }
    const deadline = Date.now() + options.startTimeoutMs
    while (watchdog.running && Date.now() < deadline) {
      // during a hand-over the old nginx may answer the health probe on this port too: wait for
      // this nginx's own master first (the caller removed the old pid file; nginx writes its pid
      // once its sockets are bound)
      if (await dir.nginxPid(port) !== undefined && await options.isHealthy()) break
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 50))
    }
    const exited = !watchdog.running
    const nginxPid = exited ? undefined : await dir.nginxPid(port)
    if (exited || nginxPid === undefined || !isProcessAlive(nginxPid)) {
      watchdog.release()
      signalGroup(pid, 'SIGKILL')
      throw new EdgesErrors.START_FAILED(options.id, exited ? `nginx exited: ${await dir.logTail(port)}` : `not healthy within ${options.startTimeoutMs}ms: ${await dir.logTail(port)}`)
    }
    const edge = new EdgeProcess(options.id, port, pid, nginxPid, false, dir, watchdog)
    await dir.writeRecord({ id: options.id, port, watchdogPid: pid, startedAt: new Date().toISOString() })
    return edge
  }

  /**
   * Takes over an edge a previous manager left running: its watchdog and nginx must be alive (and
   * be ours: the command lines name its prefix) and it must answer its health location.
   * Undefined when it cannot be adopted; whatever is left of it has then been killed.
   */
  static async adopt (record: EdgeRecord, dir: EdgeStateDir, isHealthy: () => Promise<boolean>): Promise<EdgeProcess | undefined> {
    const prefix = dir.prefix(record.port)
    const nginxPid = await dir.nginxPid(record.port)
    const ok = nginxPid !== undefined &&
      isProcessRunning(record.watchdogPid, prefix) &&
      isProcessRunning(nginxPid, prefix) &&
      await isHealthy()
    if (ok) return new EdgeProcess(record.id, record.port, record.watchdogPid, nginxPid, true, dir, undefined)
    if (isProcessRunning(record.watchdogPid, prefix)) signalGroup(record.watchdogPid, 'SIGKILL')
    if (nginxPid !== undefined && isProcessRunning(nginxPid, prefix)) signalProcess(nginxPid, 'SIGKILL')
    return undefined
  }

  /** Called once when the edge dies on its own (never for a stop or kill asked for here). */
  onDeath (listener: () => void): void {
    this.#onDeath = listener
  }

  /** True while the watchdog and nginx master both run. */
  get running (): boolean {
    if (this.#watchdog !== undefined && !this.#watchdog.running) return false
    return isProcessAlive(this.watchdogPid) && this.#nginxIsOurs()
  }

  /** Asks nginx to reread its config (after the template or settings changed); the master keeps its pid. */
  reload (): boolean {
    return this.#nginxIsOurs() && signalProcess(this.nginxPid, 'SIGHUP')
  }

  /**
   * Graceful stop: QUIT lets nginx finish the requests under way, TERM after `graceMs`, then KILL
   * to the whole group, so no worker is left holding the port.
   */
  async stop (graceMs: number): Promise<void> {
    this.#watchdog?.release()
    const gone = (): boolean => !this.#nginxIsOurs() && !isProcessAlive(this.watchdogPid)
    this.#signalNginx('SIGQUIT')
    if (!await waitUntil(gone, graceMs)) {
      signalGroup(this.watchdogPid, 'SIGTERM')
      this.#signalNginx('SIGTERM')
      if (!await waitUntil(gone, 1000)) {
        signalGroup(this.watchdogPid, 'SIGKILL')
        this.#signalNginx('SIGKILL')
        await waitUntil(gone, 1000)
      }
    }
    // a worker that outlived its master is still in the group (a group id is not recycled while it has members)
    signalGroup(this.watchdogPid, 'SIGKILL')
  }

  /**
   * Lets go of an edge whose master died: its watchdog hands the port over (the orphaned worker
   * keeps serving until the replacement, bound with reuseport, is up) and then ends the group.
   */
  release (): void {
    this.#watchdog?.release()
  }

  /** Immediate end, for an edge that no longer answers. */
  kill (): void {
    this.#watchdog?.release()
    signalGroup(this.watchdogPid, 'SIGKILL')
    this.#signalNginx('SIGKILL')
  }

  /** True once the watchdog and nginx master have exited (a killed process closes its sockets as it exits, not at the signal). */
  get gone (): boolean {
    return !isProcessAlive(this.watchdogPid) && !this.#nginxIsOurs()
  }

  // pids are recycled (pid_max may be 32768): signal the master only while it is still this edge's nginx
  #nginxIsOurs (): boolean {
    return isProcessRunning(this.nginxPid, this.#dir.prefix(this.port))
  }

  #signalNginx (signal: NodeJS.Signals): void {
    if (this.#nginxIsOurs()) signalProcess(this.nginxPid, signal)
  }
}
