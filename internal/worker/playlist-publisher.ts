import { watch, type FSWatcher } from 'node:fs'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../log/logger.js'
import { writeFileAtomic } from './atomic-write.js'
import { PRIVATE_PLAYLIST, PUBLIC_PLAYLIST } from './ffmpeg-args.js'
import type { Segment } from '../hls/media-playlist.js'
import { rewritePrivatePlaylist } from './public-playlist.js'

export interface PublishedTarget {
  readonly rendition: string
  /** Folder holding ffmpeg's private playlist and the segments. */
  readonly dir: string
}

export interface PlaylistPublisherOptions {
  readonly targets: readonly PublishedTarget[]
  readonly segmentSeconds: number
  /** Segments this far behind the head of the current window are leftovers of an earlier run: removed. */
  readonly keepBehind: number
  readonly log: Logger
  readonly pollMs?: number
  readonly onPublished?: (info: { rendition: string, firstMsn: number, lastMsn: number }) => void
}

const SEGMENT_FILE = /^(\d{1,15})\.ts$/

/**
 * Watches ffmpeg's private playlists and writes each public media playlist atomically, with an
 * exact PROGRAM-DATE-TIME per segment. A slow poll backs up the watcher, which can miss events.
 */
export class PlaylistPublisher {
  private readonly watchers: FSWatcher[] = []
  private readonly lastSource = new Map<string, string>()
  /** Newest MSN published, by rendition folder: a catch-up segment must come after it. */
  private readonly lastMsn = new Map<string, number>()
  /** Segments a catch-up run re-encoded, by rendition folder, listed while they touch the window. */
  private readonly catchUp = new Map<string, Segment[]>()
  private readonly busy = new Map<string, Promise<void>>()
  private readonly again = new Set<string>()
  private poll: NodeJS.Timeout | undefined
  private closed = false

  constructor (private readonly options: PlaylistPublisherOptions) {}

  start (): void {
    for (const target of this.options.targets) {
      // watch the dir, not the file: ffmpeg renames .tmp over the playlist, which replaces the inode
      const watcher = watch(target.dir, { persistent: false }, (_event, filename) => {
        if (filename === null || filename === PRIVATE_PLAYLIST) this.trigger(target)
      })
      watcher.on('error', (err) => { this.options.log.warn({ err, dir: target.dir }, 'playlist watcher failed; polling only') })
      this.watchers.push(watcher)
      this.trigger(target)
    }
    this.poll = setInterval(() => {
      for (const target of this.options.targets) this.trigger(target)
    }, this.options.pollMs ?? 500)
  }

  async close (): Promise<void> {
    if (this.closed) return
    this.closed = true
    if (this.poll !== undefined) clearInterval(this.poll)
    for (const watcher of this.watchers) watcher.close()
    this.watchers.length = 0
    await Promise.allSettled([...this.busy.values()])
  }

  /** The newest MSN every rendition has published (undefined until each has published one). */
  newestPublishedByAll (): number | undefined {
    const newest = this.options.targets.map((t) => this.lastMsn.get(t.dir))
    return newest.some((msn) => msn === undefined) ? undefined : Math.min(...newest as number[])
  }

  /**
   * Segments a catch-up run re-encoded for one rendition, their files already in its folder. Only
   * those newer than everything published are taken (a playlist never inserts into its past);
   * returns how many.
   */
  addCatchUp (rendition: string, segments: readonly Segment[]): number {
    const target = this.options.targets.find((t) => t.rendition === rendition)
    if (target === undefined || this.closed) return 0
    const after = this.lastMsn.get(target.dir) ?? -1
    const taken = segments.filter((s) => s.msn > after)
    if (taken.length === 0) return 0
    this.catchUp.set(target.dir, [...this.catchUp.get(target.dir) ?? [], ...taken])
    this.lastSource.delete(target.dir)
    this.trigger(target)
    return taken.length
  }

  /** Runs one publish per target at a time; a trigger during a publish schedules one more. */
  private trigger (target: PublishedTarget): void {
    if (this.closed) return
    if (this.busy.has(target.dir)) {
      this.again.add(target.dir)
      return
    }
    const job = this.publish(target)
      .catch((err: unknown) => { this.options.log.warn({ err, rendition: target.rendition }, 'publish failed') })
      .finally(() => {
        this.busy.delete(target.dir)
        if (this.again.delete(target.dir)) this.trigger(target)
      })
    this.busy.set(target.dir, job)
  }

  private async publish (target: PublishedTarget): Promise<void> {
    let source: string
    try {
      source = await readFile(join(target.dir, PRIVATE_PLAYLIST), 'utf8')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return
      throw err
    }
    if (this.closed || this.lastSource.get(target.dir) === source) return
    const result = rewritePrivatePlaylist(source, this.options.segmentSeconds, this.catchUp.get(target.dir))
    if (!result.ok) {
      if (result.reason !== 'no segments yet') this.options.log.warn({ rendition: target.rendition, reason: result.reason }, 'private playlist skipped')
      return
    }
    const { firstMsn, lastMsn } = result
    // caught-up segments the window has left are forgotten
    const keep = (this.catchUp.get(target.dir) ?? []).filter((s) => s.msn >= firstMsn)
    if (keep.length === 0) this.catchUp.delete(target.dir)
    else this.catchUp.set(target.dir, keep)
    await writeFileAtomic(join(target.dir, PUBLIC_PLAYLIST), result.text)
    this.lastSource.set(target.dir, source)
    this.lastMsn.set(target.dir, Math.max(lastMsn, this.lastMsn.get(target.dir) ?? -1))
    this.options.log.debug({ rendition: target.rendition, firstMsn, lastMsn }, 'playlist published')
    this.options.onPublished?.({ rendition: target.rendition, firstMsn, lastMsn })
    await this.removeLeftovers(target, firstMsn - this.options.keepBehind)
  }

  /** ffmpeg deletes its own old segments; this removes those an earlier run left behind. */
  private async removeLeftovers (target: PublishedTarget, belowMsn: number): Promise<void> {
    const names = await readdir(target.dir)
    for (const name of names) {
      const match = SEGMENT_FILE.exec(name)
      if (match !== null && Number(match[1]) < belowMsn) await rm(join(target.dir, name), { force: true })
    }
  }
}
