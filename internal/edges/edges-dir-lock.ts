import type { Logger } from '../log/logger.js'
import type { EdgeStateDir } from './edge-state-dir.js'
import { EdgesErrors } from './edges-errors.js'
import { isProcessAlive, processStartTime } from './process-tools.js'

const ALIVE_TOUCH_MS = 1000

/**
 * One manager per EDGES_DIR: two would start, adopt and kill each other's edges. Holding the
 * folder also means touching manager.alive every second, which keeps the edges' watchdogs from
 * stopping nginx.
 */
export class EdgesDirLock {
  readonly #dir: EdgeStateDir
  readonly #log: Logger
  #claimed = false
  #aliveTimer: NodeJS.Timeout | undefined

  constructor (dir: EdgeStateDir, log: Logger) {
    this.#dir = dir
    this.#log = log
  }

  /** Claims the folder (EDGES_ERR_ALREADY_RUNNING when another live manager holds it) and starts touching manager.alive. */
  async claim (): Promise<void> {
    const other = await this.#dir.readManager()
    // a killed manager's pid may name another process by now: the start time tells them apart
    if (other !== undefined && isProcessAlive(other.pid) &&
        (other.startTime === undefined || other.startTime === processStartTime(other.pid))) {
      throw new EdgesErrors.ALREADY_RUNNING(this.#dir.root, other.pid)
    }
    await this.#dir.writeManager(process.pid, processStartTime(process.pid))
    this.#claimed = true
    // first thing once the folder is ours: watchdogs of edges left by a killed manager are counting
    await this.#dir.touchAlive()
    this.#aliveTimer = setInterval(() => {
      this.#dir.touchAlive().catch((err: unknown) => this.#log.error({ err }, 'cannot touch manager.alive'))
    }, ALIVE_TOUCH_MS)
  }

  /** Stops touching manager.alive and removes the manager's files; call once the edges are stopped. */
  async release (): Promise<void> {
    clearInterval(this.#aliveTimer)
    this.#aliveTimer = undefined
    if (this.#claimed) await this.#dir.removeManagerFiles()
    this.#claimed = false
  }
}
