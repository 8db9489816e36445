import path from 'node:path'
import { watch, type FSWatcher } from 'chokidar'
import type { Logger } from '../log/logger.js'

export type RootEvent = 'add' | 'change' | 'unlink' | 'unlinkDir'

export interface RootWatcherOptions {
  readonly root: string
  readonly polling: boolean
  readonly log: Logger
  /** `key` is the path relative to the root with '/' separators, as the file store names files. */
  readonly onEvent: (event: RootEvent, key: string) => void
}

/**
 * Watches the served folder, <signal>/<rendition>/<file> deep. Directories are watched, not
 * files: the worker renames a temporary playlist over the old one, which replaces the inode.
 */
export class RootWatcher {
  private watcher: FSWatcher | undefined
  private readonly root: string

  constructor (private readonly options: RootWatcherOptions) {
    this.root = path.resolve(options.root)
  }

  async start (): Promise<void> {
    if (this.watcher !== undefined) return
    const watcher = watch(this.root, {
      ignoreInitial: true,
      depth: 2,
      usePolling: this.options.polling,
      interval: 100,
      // no atomic-write grace: an unlink should reach the cache at once
      atomic: false,
      followSymlinks: false
    })
    this.watcher = watcher
    const forward = (event: RootEvent) => (absolute: string): void => {
      const key = path.relative(this.root, absolute).split(path.sep).join('/')
      if (key === '' || key.startsWith('..')) return
      this.options.onEvent(event, key)
    }
    watcher.on('add', forward('add'))
    watcher.on('change', forward('change'))
    watcher.on('unlink', forward('unlink'))
    watcher.on('unlinkDir', forward('unlinkDir'))
    watcher.on('error', (err) => { this.options.log.warn({ err }, 'file watcher error') })
    await new Promise<void>((resolve) => { watcher.once('ready', () => { resolve() }) })
    this.options.log.debug({ root: this.root }, 'watching served folder')
  }

  async close (): Promise<void> {
    const watcher = this.watcher
    this.watcher = undefined
    if (watcher !== undefined) await watcher.close()
  }
}
