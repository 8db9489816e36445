import type { AddressInfo } from 'node:net'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { FileStore } from './file-store.js'
import type { PackagerConfig } from './packager-config.js'
import { createPackagerMetrics, type PackagerMetrics } from './packager-metrics.js'
import { DeltaPlaylists } from './delta-playlists.js'
import { registerPackagerRoutes } from './packager-routes.js'
import { PlaylistWaiters } from './playlist-waiters.js'
import { RootWatcher, type RootEvent } from './root-watcher.js'

/** A safety-net re-read of waited-on playlists, in case a file-system event is missed. */
const WAITER_POLL_MS = 250

/**
 * One packager (server1 or server2): serves PACKAGER_ROOT from memory, kept in step with the
 * disk by a watcher, and answers blocking playlist reloads. Media playlists are served as the
 * worker wrote them, so they do not advertise CAN-BLOCK-RELOAD: `_HLS_msn` is for the origin.
 */
export class PackagerService implements Service {
  private readonly log: Logger
  private readonly http: HttpApp
  private readonly store: FileStore
  private readonly waiters: PlaylistWaiters
  private readonly watcher: RootWatcher
  private readonly metrics: PackagerMetrics
  private started = false
  private closing: Promise<void> | undefined

  constructor (private readonly config: PackagerConfig, log: Logger) {
    this.log = log.child({ packager: config.name })
    const registry = createMetricsRegistry('packager')
    // sources are read at scrape time, after the store and waiters below exist
    this.metrics = createPackagerMetrics(registry, {
      cacheBytes: () => this.store.bytes,
      cacheEntries: () => this.store.entries,
      blockedWaiters: () => this.waiters.size
    })
    this.waiters = new PlaylistWaiters({
      maxWaiters: config.maxBlockingWaiters,
      pollMs: Math.min(WAITER_POLL_MS, config.playlistRecheckMs),
      poll: (keys) => { for (const key of keys) this.refreshPlaylist(key) }
    })
    this.store = new FileStore({
      root: config.root,
      cacheBytes: config.cacheBytes,
      playlistRecheckMs: config.playlistRecheckMs,
      log: this.log,
      onPlaylistRead: (key, file) => { this.waiters.notify(key, file) },
      onDiskRead: (kind) => { this.metrics.diskReads[kind].inc() }
    })
    this.watcher = new RootWatcher({
      root: config.root,
      polling: config.watchPolling,
      log: this.log,
      onEvent: (event, key) => { this.onFileEvent(event, key) }
    })
    this.http = createHttpApp({ log: this.log, metrics: registry })
    registerPackagerRoutes(this.http.app, { store: this.store, waiters: this.waiters, metrics: this.metrics, deltas: new DeltaPlaylists() })
  }

  async start (): Promise<void> {
    if (this.started) return
    this.started = true
    await this.store.init()
    await this.watcher.start()
    await this.http.app.listen({ host: this.config.host, port: this.config.port })
    this.log.info({ address: this.url, root: this.config.root }, 'packager started with listener on ' + this.url)
  }

  /** The listening base URL, e.g. http://127.0.0.1:8080 (after start). */
  get url (): string {
    const address = this.http.app.server.address() as AddressInfo | null
    if (address === null) return ''
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address
    return `http://${host}:${address.port}`
  }

  async close (): Promise<void> {
    this.closing ??= this.doClose()
    await this.closing
  }

  private async doClose (): Promise<void> {
    this.http.markDraining()
    // release blocked reloads first: app.close() waits for in-flight requests
    this.waiters.close()
    await this.http.app.close()
    await this.watcher.close()
    this.store.clear()
  }

  private onFileEvent (event: RootEvent, key: string): void {
    if (event === 'unlinkDir') {
      this.store.invalidatePrefix(key)
      return
    }
    const wasCached = this.store.has(key)
    this.store.invalidate(key)
    // re-read hot playlists at once: the origin polls them and blocked reloads wait on them
    if (event !== 'unlink' && key.endsWith('.m3u8') && (wasCached || this.waiters.isWaitedOn(key))) this.refreshPlaylist(key)
  }

  private refreshPlaylist (key: string): void {
    this.store.invalidate(key)
    this.store.get(key, 'playlist').catch((err: unknown) => { this.log.warn({ err, key }, 'playlist re-read failed') })
  }
}
