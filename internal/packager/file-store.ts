import { createHash } from 'node:crypto'
import { constants as fsConstants } from 'node:fs'
import { mkdir, open, realpath } from 'node:fs/promises'
import path from 'node:path'
import { LRUCache } from 'lru-cache'
import { contentTypeFor } from '../hls/names.js'
import type { Logger } from '../log/logger.js'
import { scanPlaylist, type PlaylistScan } from '../hls/playlist-scanner.js'
import type { TargetKind } from './request-target.js'

export const PLAYLIST_CACHE_CONTROL = 'no-cache'
export const SEGMENT_CACHE_CONTROL = 'public, max-age=31536000, immutable'
/** A segment modified this recently may still be being written: re-read it soon even without an event. */
const SETTLE_MS = 2000
const UNSETTLED_RECHECK_MS = 1000

/** A file held in memory with the headers of its 200 answer computed once. */
export interface CachedFile {
  readonly type: 'memory'
  readonly kind: TargetKind
  readonly body: Buffer
  readonly etag: string
  readonly headers: Readonly<Record<string, string>>
  /** The same headers flattened [name, value, ...], as res.writeHead takes them fastest. */
  readonly headerList: readonly string[]
  /** Headers of a 304 or 206: everything but the length. */
  readonly baseHeaders: Readonly<Record<string, string>>
  readonly info: PlaylistScan | undefined
  readonly freshUntil: number
}

/** A file too big for the cache: streamed from disk on each request. */
export interface LargeFile {
  readonly type: 'large'
  readonly kind: TargetKind
  readonly realPath: string
  readonly size: number
  readonly baseHeaders: Readonly<Record<string, string>>
}

export type StoredFile = CachedFile | LargeFile

export interface FileStoreOptions {
  readonly root: string
  readonly cacheBytes: number
  readonly playlistRecheckMs: number
  readonly log: Logger
  /** Called whenever a playlist was read from disk, so blocked reloads can be answered. */
  readonly onPlaylistRead?: (key: string, file: CachedFile) => void
  /** Called once per disk read (not per request): shows that concurrent misses were coalesced. */
  readonly onDiskRead?: (kind: TargetKind) => void
}

interface Inflight {
  readonly promise: Promise<StoredFile | undefined>
  stale: boolean
}

/**
 * The packager's memory: playlists and segments by root-relative key, bounded by bytes.
 * Concurrent misses for one key share one disk read; an invalidation during a read keeps that
 * read's result out of the cache, so a file replaced on disk is never cached in its old form.
 */
export class FileStore {
  private readonly cache: LRUCache<string, CachedFile>
  private readonly inflight = new Map<string, Inflight>()
  private readonly maxEntryBytes: number
  private rootPrefix = ''
  private realRootPrefix = ''

  constructor (private readonly options: FileStoreOptions) {
    this.maxEntryBytes = Math.max(1, Math.floor(options.cacheBytes / 8))
    this.cache = new LRUCache<string, CachedFile>({
      maxSize: options.cacheBytes,
      maxEntrySize: this.maxEntryBytes,
      // headers and bookkeeping cost roughly this much beside the body
      sizeCalculation: (file) => file.body.length + 512
    })
  }

  /** Creates the root if missing (the worker may start later) and pins its real path. */
  async init (): Promise<void> {
    const root = path.resolve(this.options.root)
    await mkdir(root, { recursive: true })
    this.rootPrefix = root + path.sep
    this.realRootPrefix = (await realpath(root)) + path.sep
  }

  get bytes (): number { return this.cache.calculatedSize }
  get entries (): number { return this.cache.size }

  /** The cached file if it is still fresh: the hot path, synchronous. */
  peek (key: string): CachedFile | undefined {
    const file = this.cache.get(key)
    if (file === undefined) return undefined
    if (file.freshUntil < Date.now()) return undefined
    return file
  }

  has (key: string): boolean {
    return this.cache.has(key)
  }

  /** The file, from memory or read once from disk; undefined when it does not exist under the root. */
  async get (key: string, kind: TargetKind): Promise<StoredFile | undefined> {
    const fresh = this.peek(key)
    if (fresh !== undefined) return fresh
    const running = this.inflight.get(key)
    if (running !== undefined) return await running.promise
    const entry: Inflight = { promise: this.read(key, kind), stale: false }
    this.inflight.set(key, entry)
    try {
      const file = await entry.promise
      if (file?.type === 'memory') {
        if (!entry.stale) this.cache.set(key, file)
        if (file.kind === 'playlist') this.options.onPlaylistRead?.(key, file)
      }
      return file
    } finally {
      if (this.inflight.get(key) === entry) this.inflight.delete(key)
    }
  }

  /** Forgets a key: the next request reads the disk again. */
  invalidate (key: string): void {
    this.cache.delete(key)
    const running = this.inflight.get(key)
    if (running !== undefined) {
      running.stale = true
      this.inflight.delete(key)
    }
  }

  /** Forgets every key under a folder (a signal or rendition folder was removed). */
  invalidatePrefix (prefix: string): void {
    const withSlash = prefix.endsWith('/') ? prefix : prefix + '/'
    for (const key of [...this.cache.keys()]) if (key.startsWith(withSlash)) this.invalidate(key)
    for (const key of [...this.inflight.keys()]) if (key.startsWith(withSlash)) this.invalidate(key)
  }

  clear (): void {
    this.cache.clear()
    for (const running of this.inflight.values()) running.stale = true
    this.inflight.clear()
  }

  private async read (key: string, kind: TargetKind): Promise<StoredFile | undefined> {
    this.options.onDiskRead?.(kind)
    // defense in depth: names were validated already, but the resolved path must stay inside
    const absolute = path.resolve(this.rootPrefix, key)
    if (!absolute.startsWith(this.rootPrefix)) return this.refuse(key, 'resolved path leaves the root')
    let real: string
    try {
      real = await realpath(absolute)
    } catch (err) {
      if (isMissing(err)) return undefined
      throw err
    }
    if (!real.startsWith(this.realRootPrefix)) return this.refuse(key, 'symlink leaves the root')
    let handle
    try {
      handle = await open(real, fsConstants.O_RDONLY | fsConstants.O_NOFOLLOW)
    } catch (err) {
      if (isMissing(err)) return undefined
      throw err
    }
    try {
      const stat = await handle.stat()
      if (!stat.isFile()) return undefined
      const baseHeaders = makeBaseHeaders(key, kind, stat.mtime)
      if (stat.size > this.maxEntryBytes) {
        return { type: 'large', kind, realPath: real, size: stat.size, baseHeaders }
      }
      const body = await handle.readFile()
      const etag = `"${createHash('sha1').update(body).digest('base64url')}"`
      const withTag = { ...baseHeaders, etag }
      const now = Date.now()
      const freshUntil = kind === 'playlist'
        ? now + this.options.playlistRecheckMs
        : now - stat.mtimeMs < SETTLE_MS ? now + UNSETTLED_RECHECK_MS : Number.POSITIVE_INFINITY
      const headers = { ...withTag, 'content-length': String(body.length) }
      return {
        type: 'memory',
        kind,
        body,
        etag,
        baseHeaders: withTag,
        headers,
        headerList: Object.entries(headers).flat(),
        info: kind === 'playlist' ? scanPlaylist(body.toString('utf8')) : undefined,
        freshUntil
      }
    } finally {
      await handle.close()
    }
  }

  private refuse (key: string, reason: string): undefined {
    this.options.log.warn({ key, reason }, 'refused a path outside the root')
    return undefined
  }
}

function makeBaseHeaders (key: string, kind: TargetKind, mtime: Date): Record<string, string> {
  return {
    'content-type': contentTypeFor(key),
    'cache-control': kind === 'playlist' ? PLAYLIST_CACHE_CONTROL : SEGMENT_CACHE_CONTROL,
    'last-modified': mtime.toUTCString(),
    'accept-ranges': 'bytes',
    'access-control-allow-origin': '*'
  }
}

function isMissing (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'ENOTDIR' || code === 'ELOOP' || code === 'EISDIR'
}
