import { link, readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { MediaPlaylist, Segment } from '../hls/media-playlist.js'
import { serializeMediaPlaylist } from '../hls/playlist-serializer.js'
import type { Rendition } from '../streams/ladder.js'
import { writeFileAtomic } from './atomic-write.js'
import { boundaryMs } from './epoch-clock.js'
import { PRIVATE_PLAYLIST, PUBLIC_PLAYLIST, renditionDir } from './ffmpeg-args.js'
import type { LiveInput } from './live-input.js'
import { firstEligibleMsn, INITIAL_SELECTION, selectSegments, type Decision, type LiveRunView, type SegmentSource, type SelectionState } from './live-selection.js'
import { readPrivatePlaylist } from './public-playlist.js'

export interface LivePublisherOptions {
  readonly ladder: readonly Rendition[]
  readonly signalDir: string
  /** The slate encoder's signal folder. */
  readonly slateDir: string
  readonly segmentSeconds: number
  readonly frameRate: number
  readonly listSize: number
  /** Public segments this far behind the window's head are removed. */
  readonly keepBehind: number
  readonly graceMs: number
  /** How late a worker may learn of a new anchor and still open live on the same MSN as the others. */
  readonly learnMs: number
  readonly onSwitch?: (info: { msn: number, from: SegmentSource | undefined, to: SegmentSource }) => void
  readonly onPublished?: (lastMsn: number) => void
}

interface WindowEntry { readonly msn: number, readonly discontinuity: boolean }

const SEGMENT_FILE = /^(\d{1,15})\.ts$/

/**
 * The public side of a push stream on one worker: each tick it reads what the slate and the live
 * runs have finished, lets live-selection.ts decide the next MSNs, hard-links each chosen segment
 * into the public folders as `<msn>.ts` (every rendition the same source), and writes the public
 * media playlists with a PROGRAM-DATE-TIME per segment and EXT-X-DISCONTINUITY at each switch.
 */
export class LivePublisher {
  readonly #o: LivePublisherOptions
  #selection: SelectionState = INITIAL_SELECTION
  #window: WindowEntry[] = []
  #discontinuitySequence = 0

  constructor (options: LivePublisherOptions) {
    this.#o = options
  }

  /** True once a segment has gone public. */
  get published (): boolean {
    return this.#window.length > 0
  }

  /** Source of the newest public segment. */
  get current (): SegmentSource | undefined {
    return this.#selection.last
  }

  async tick (inputs: readonly LiveInput[], awaitingFirstLive: boolean, now = Date.now()): Promise<void> {
    const o = this.#o
    const views = await this.#runViews(inputs)
    const slate = await this.#readyIn(o.slateDir, false)
    const { state, decisions } = selectSegments(this.#selection, {
      now,
      segmentMs: o.segmentSeconds * 1000,
      graceMs: o.graceMs,
      runs: views.map((v) => v.view),
      slate,
      awaitingFirstLive,
      window: o.listSize
    })
    if (decisions.length === 0) {
      this.#selection = state
      return
    }
    for (const d of decisions) await this.#linkSegment(d, views)
    let previous = this.#selection.last
    for (const d of decisions) {
      if (d.source !== previous) o.onSwitch?.({ msn: d.msn, from: previous, to: d.source })
      previous = d.source
    }
    this.#selection = state
    this.#window.push(...decisions.map((d) => ({ msn: d.msn, discontinuity: d.discontinuity })))
    while (this.#window.length > o.listSize) {
      const gone = this.#window.shift() as WindowEntry
      if (gone.discontinuity) this.#discontinuitySequence += 1
    }
    await this.#writePlaylists()
  }

  async #runViews (inputs: readonly LiveInput[]): Promise<Array<{ view: LiveRunView, dir: string }>> {
    const o = this.#o
    const segmentMs = o.segmentSeconds * 1000
    const views: Array<{ view: LiveRunView, dir: string }> = []
    for (const input of inputs) {
      const anchor = input.publish.anchor
      if (anchor === null) continue
      // the newest run first: a restarted pull gives what the one before it can no longer give
      const runs = [...input.runs].reverse()
      for (const [i, run] of runs.entries()) {
        const ready = await this.#readyIn(run.dir, true)
        const first = firstEligibleMsn(run.startMsn, anchor, segmentMs, o.learnMs)
        views.push({ dir: run.dir, view: { session: input.session, firstEligibleMsn: first, ready: new Set([...ready].filter((m) => m >= first)), ended: i > 0 } })
      }
    }
    return views
  }

  /** MSNs finished in every rendition of a signal folder; full length only when `fullOnly`. */
  async #readyIn (dir: string, fullOnly: boolean): Promise<Set<number>> {
    const o = this.#o
    let common: Set<number> | undefined
    for (const r of o.ladder) {
      let text: string
      try {
        text = await readFile(join(renditionDir(dir, o.ladder, r), PRIVATE_PLAYLIST), 'utf8')
      } catch {
        return new Set()
      }
      const read = readPrivatePlaylist(text, o.segmentSeconds)
      if (!read.ok) return new Set()
      const full = read.playlist.segments.filter((s) => !fullOnly || Math.abs(s.duration - o.segmentSeconds) <= 0.5 / o.frameRate)
      const msns = new Set(full.map((s) => s.msn))
      common = common === undefined ? msns : new Set([...common].filter((m) => msns.has(m)))
    }
    return common ?? new Set()
  }

  async #linkSegment (d: Decision, views: ReadonlyArray<{ view: LiveRunView, dir: string }>): Promise<void> {
    const o = this.#o
    const from = d.source === 'slate'
      ? o.slateDir
      : views.find((v) => `live:${v.view.session}` === d.source && v.view.ready.has(d.msn))?.dir
    if (from === undefined) throw new Error(`no folder holds msn ${d.msn} of ${d.source}`)
    for (const r of o.ladder) {
      const name = `${d.msn}.ts`
      const target = join(renditionDir(o.signalDir, o.ladder, r), name)
      await rm(target, { force: true })
      await link(join(renditionDir(from, o.ladder, r), name), target)
    }
  }

  async #writePlaylists (): Promise<void> {
    const o = this.#o
    const segments: Segment[] = this.#window.map((e) => ({
      msn: e.msn, uri: `${e.msn}.ts`, duration: o.segmentSeconds, discontinuity: e.discontinuity, programDateTimeMs: boundaryMs(e.msn, o.segmentSeconds)
    }))
    const first = segments[0] as Segment
    const playlist: MediaPlaylist = {
      kind: 'media', version: 3, targetDuration: o.segmentSeconds, mediaSequence: first.msn,
      discontinuitySequence: this.#discontinuitySequence, segments, endList: false, independentSegments: true
    }
    const text = serializeMediaPlaylist(playlist)
    for (const r of o.ladder) {
      const dir = renditionDir(o.signalDir, o.ladder, r)
      await writeFileAtomic(join(dir, PUBLIC_PLAYLIST), text)
      await this.#removeOld(dir, first.msn - o.keepBehind)
    }
    o.onPublished?.((segments[segments.length - 1] as Segment).msn)
  }

  async #removeOld (dir: string, belowMsn: number): Promise<void> {
    for (const name of await readdir(dir)) {
      const match = SEGMENT_FILE.exec(name)
      if (match !== null && Number(match[1]) < belowMsn) await rm(join(dir, name), { force: true })
    }
  }
}
