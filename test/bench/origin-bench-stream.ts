import { randomBytes } from 'node:crypto'
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { writeFileAtomic } from '../../internal/worker/atomic-write.js'

export interface SyntheticStreamOptions {
  /** Packager roots to write the same stream into, as two epoch-locked workers would. */
  readonly roots: readonly string[]
  readonly signal: string
  readonly renditions: readonly string[]
  readonly targetDurationS: number
  readonly windowSegments: number
  readonly segmentBytes: number
}

/** Media sequence number of the segment being "encoded" at `nowMs`: epoch-locked, as the worker does. */
export function msnAt (nowMs: number, targetDurationS: number): number {
  return Math.floor(nowMs / (targetDurationS * 1000))
}

/** The public media playlist of an epoch-locked worker whose newest complete segment is `newestMsn`. */
export function syntheticMediaPlaylist (newestMsn: number, options: Pick<SyntheticStreamOptions, 'targetDurationS' | 'windowSegments'>): string {
  const first = newestMsn - options.windowSegments + 1
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${options.targetDurationS}`, `#EXT-X-MEDIA-SEQUENCE:${first}`, '#EXT-X-INDEPENDENT-SEGMENTS']
  for (let msn = first; msn <= newestMsn; msn++) {
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(msn * options.targetDurationS * 1000).toISOString()}`, `#EXTINF:${options.targetDurationS.toFixed(6)},`, `${msn}.ts`)
  }
  return lines.join('\n') + '\n'
}

/**
 * A live stream without ffmpeg: every target duration, on the epoch boundary, each rendition gets
 * `<msn>.ts` and a playlist renamed over the old one. It costs almost no CPU, so what the bench
 * measures is the origin and the packagers, not an encoder.
 */
export class SyntheticLiveStream {
  private timer: NodeJS.Timeout | undefined
  private writing: Promise<void> = Promise.resolve()
  private closed = false
  private readonly payload: Buffer
  newestMsn: number | undefined
  writes = 0

  constructor (private readonly options: SyntheticStreamOptions) {
    this.payload = randomBytes(options.segmentBytes)
  }

  async start (): Promise<void> {
    const { roots, signal, renditions } = this.options
    for (const root of roots) {
      for (const rendition of renditions) await mkdir(path.join(root, signal, rendition), { recursive: true })
      const master = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS']
      renditions.forEach((rendition, i) => {
        master.push(`#EXT-X-STREAM-INF:BANDWIDTH=${(renditions.length - i) * 1_000_000},CODECS="avc1.64001f,mp4a.40.2"`, `${rendition}/playlist.m3u8`)
      })
      await writeFileAtomic(path.join(root, signal, 'playlist.m3u8'), master.join('\n') + '\n')
    }
    // a full window at once, as a worker that has been running a while
    const newest = msnAt(Date.now(), this.options.targetDurationS) - 1
    for (let msn = newest - this.options.windowSegments + 1; msn < newest; msn++) await this.writeSegments(msn)
    await this.publish(newest)
    this.schedule()
  }

  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.timer)
    await this.writing
  }

  private schedule (): void {
    if (this.closed) return
    const tdMs = this.options.targetDurationS * 1000
    // just after the next epoch boundary, when the segment that just ended is complete
    const delay = tdMs - (Date.now() % tdMs) + 20
    this.timer = setTimeout(() => {
      this.writing = this.publish(msnAt(Date.now(), this.options.targetDurationS) - 1)
        .catch((err: unknown) => { process.stderr.write(`synthetic stream write failed: ${String(err)}\n`) })
        .finally(() => { this.schedule() })
    }, delay)
  }

  private async writeSegments (msn: number): Promise<void> {
    for (const root of this.options.roots) {
      for (const rendition of this.options.renditions) {
        await writeFile(path.join(root, this.options.signal, rendition, `${msn}.ts`), this.payload)
      }
    }
  }

  private async publish (newestMsn: number): Promise<void> {
    if (this.newestMsn !== undefined && newestMsn <= this.newestMsn) return
    // a late timer (a loaded machine) must not leave a listed segment unwritten
    const first = this.newestMsn === undefined ? newestMsn : Math.max(this.newestMsn + 1, newestMsn - this.options.windowSegments + 1)
    for (let msn = first; msn <= newestMsn; msn++) await this.writeSegments(msn)
    const text = syntheticMediaPlaylist(newestMsn, this.options)
    for (const root of this.options.roots) {
      for (const rendition of this.options.renditions) {
        const dir = path.join(root, this.options.signal, rendition)
        await writeFileAtomic(path.join(dir, 'playlist.m3u8'), text)
        await this.pruneSegments(dir, newestMsn - 3 * this.options.windowSegments)
      }
    }
    this.newestMsn = newestMsn
    this.writes++
  }

  // segments leave the disk well after they leave the playlist, never while listed
  private async pruneSegments (dir: string, belowMsn: number): Promise<void> {
    for (const name of await readdir(dir)) {
      const match = /^(\d+)\.ts$/.exec(name)
      if (match !== null && Number(match[1]) < belowMsn) await rm(path.join(dir, name), { force: true })
    }
  }
}
