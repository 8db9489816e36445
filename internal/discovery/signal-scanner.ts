import { mkdir, stat } from 'node:fs/promises'
import { relative, resolve } from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { Logger } from '../log/logger.js'
import { liveSignals, signalOfPlaylist } from './disk-liveness.js'

/**
 * Knows which signals are being written under the output folder, like the Go original (docs/design.md): a chokidar
 * watch (depth 2) keeps the playlists' paths and mtimes, and each scan re-stats the few known
 * playlists so a missed or coalesced change event cannot make a live signal look dead.
 */
export class SignalScanner {
  readonly #root: string
  readonly #log: Logger
  readonly #mtimes = new Map<string, number>()
  #watcher: FSWatcher | undefined
  #rootId: string | undefined
  #closed = false

  constructor (outputPath: string, log: Logger) {
    this.#root = resolve(outputPath)
    this.#log = log.child({ component: 'signal-scanner' })
  }

  async start (): Promise<void> {
    // chokidar 4 never notices a root created after the watch starts; the worker will write here anyway
    await mkdir(this.#root, { recursive: true })
    await this.#watch()
  }

  /** Live signals on disk now; `now` and `maxAgeMs` as in liveSignals. */
  async scan (now: number, maxAgeMs: number): Promise<string[]> {
    if (this.#closed) return []
    await this.#rewatchIfRootReplaced()
    await Promise.all([...this.#mtimes.keys()].map(async (path) => {
      try {
        this.#mtimes.set(path, (await stat(resolve(this.#root, path))).mtimeMs)
      } catch {
        this.#mtimes.delete(path)
      }
    }))
    return liveSignals(this.#mtimes, now, maxAgeMs)
  }

  async close (): Promise<void> {
    this.#closed = true
    const watcher = this.#watcher
    this.#watcher = undefined
    await watcher?.close()
  }

  async #watch (): Promise<void> {
    this.#rootId = await this.#identity()
    const watcher = watch(this.#root, {
      depth: 2,
      alwaysStat: true,
      // segments are most of the files and tell nothing the playlists do not
      ignored: (path, stats) => stats?.isFile() === true && !path.endsWith('.m3u8')
    })
    this.#watcher = watcher
    const track = (path: string, stats?: { mtimeMs: number }): void => {
      const rel = relative(this.#root, path)
      if (stats !== undefined && signalOfPlaylist(rel) !== undefined) this.#mtimes.set(rel, stats.mtimeMs)
    }
    watcher.on('add', track)
    watcher.on('change', track)
    watcher.on('unlink', (path) => { this.#mtimes.delete(relative(this.#root, path)) })
    watcher.on('error', (err) => { this.#log.warn({ err }, 'watch error') })
    await new Promise<void>((resolve) => watcher.once('ready', resolve))
    if (this.#closed) await this.close()
  }

  /** Inode numbers are reused at once after rm + mkdir; the birth time tells the two folders apart. */
  async #identity (): Promise<string> {
    const stats = await stat(this.#root)
    return `${stats.dev}:${stats.ino}:${stats.birthtimeMs}`
  }

  async #rewatchIfRootReplaced (): Promise<void> {
    const id = await this.#identity().catch(() => undefined)
    if (id === this.#rootId || id === undefined || this.#closed) return
    this.#log.info({ path: this.#root }, 'output folder was replaced, watching the new one')
    const old = this.#watcher
    this.#watcher = undefined
    this.#mtimes.clear()
    await old?.close()
    await this.#watch()
  }
}
