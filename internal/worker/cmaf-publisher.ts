import { readdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Readable } from 'node:stream'
import { FragmentReader, type Sample, type TrackInit } from '../cmaf/fragment-reader.js'
import { writeFragment } from '../cmaf/fragment-writer.js'
import { AUDIO_TRACK_ID, joinInitSegments, VIDEO_TRACK_ID } from '../cmaf/init-segment.js'
import { serializeMediaPlaylist } from '../hls/playlist-serializer.js'
import type { Logger } from '../log/logger.js'
import { writeFileAtomic } from './atomic-write.js'
import { cmafPipes, PREROLL_SECONDS } from './cmaf-ffmpeg-args.js'
import {
  addPart, CMAF_FILE, cmafServerControl, EMPTY_WINDOW, INIT_SEGMENT, partName, reportOf, segmentName, windowPlaylist,
  type CmafWindow, type CmafWindowOptions
} from './cmaf-window.js'
import { audioLeadSamples, type Boundary } from './epoch-clock.js'
import { PUBLIC_PLAYLIST } from './ffmpeg-args.js'
import { PartCutter, type CutPart, type TrackClock } from './part-cutter.js'
import { paceRun } from './part-pacer.js'

/** AAC's encoder delay in ffmpeg (initial_padding): its first packet starts this many samples early. */
const AAC_PRIMING_SAMPLES = 1024

export interface CmafTarget {
  readonly rendition: string
  readonly dir: string
}

export interface CmafPublisherOptions extends CmafWindowOptions {
  readonly targets: readonly CmafTarget[]
  /** Files stay this many segments behind the window, for slow readers and caches. */
  readonly lingerSegments: number
  readonly log: Logger
  readonly onPublished?: (info: { rendition: string, lastMsn: number }) => void
}

interface RenditionState {
  readonly target: CmafTarget
  window: CmafWindow
  lastInit: Buffer | undefined
  /** Writes for this rendition, in order: a part's file before the playlist that lists it. */
  chain: Promise<void>
  /** The bytes of the parts the window lists for the open segment, in order. */
  partBytes: Buffer[]
  /** Parts cut but not yet due: each is published at its end time. */
  held: CutPart[]
  /** Global index of the part after the newest one cut (held or published), by any run. */
  nextToCut: number | undefined
}

/**
 * Turns a CMAF run's pipes into files: per rendition the joined init segment, every part at its
 * end time, every segment as the concatenation of its parts, and after each part the LL-HLS
 * playlist that lists it. The run reads unpaced: parts cut early are held, and the pipes are not
 * read while the run is READ_AHEAD_MS ahead. A run that starts where a dead one stopped cuts the
 * same bytes; parts an earlier run already cut are dropped, so the window goes on without a hole.
 */
export class CmafPublisher {
  readonly #renditions: RenditionState[]
  readonly #partsPerSegment: number
  readonly #partMs: number
  #closed = false
  /** The current run's pipes, paused together while it is far enough ahead. */
  #streams: Readable[] = []
  #paused = false
  #wake: NodeJS.Timeout | undefined

  constructor (private readonly options: CmafPublisherOptions) {
    this.#renditions = options.targets.map((target) => ({ target, window: EMPTY_WINDOW, lastInit: undefined, chain: Promise.resolve(), partBytes: [], held: [], nextToCut: undefined }))
    this.#partMs = Math.round(options.partSeconds * 1000)
    this.#partsPerSegment = Math.round((options.segmentSeconds * 1000) / this.#partMs)
  }

  /**
   * Global index of the first part some rendition has not cut yet: where a run that replaces a
   * dead one picks up (undefined until every rendition has cut one).
   */
  frontier (): number | undefined {
    const next = this.#renditions.map((r) => r.nextToCut)
    return next.some((n) => n === undefined) ? undefined : Math.min(...next as number[])
  }

  /** Reads the pipes of a run whose pre-roll ends at `boundary`. */
  startRun (boundary: Boundary, pipe: (fd: number) => Readable | undefined): void {
    const startMs = boundary.t0Ms - PREROLL_SECONDS * 1000
    const grid = { segmentMs: this.options.segmentSeconds * 1000, partMs: this.#partMs }
    this.#streams = []
    this.#paused = false
    this.#renditions.forEach((state, i) => {
      const pipes = cmafPipes(i)
      const video = pipe(pipes.video)
      const audio = pipe(pipes.audio)
      if (video === undefined || audio === undefined) {
        this.options.log.error({ rendition: state.target.rendition }, 'ffmpeg was started without the CMAF pipes')
        return
      }
      this.#streams.push(video, audio)
      let cutter: PartCutter | undefined
      const inits: Array<TrackInit | undefined> = [undefined, undefined]
      const early: Array<[number, Sample]> = []
      const onInit = (track: number) => (init: TrackInit): void => {
        inits[track] = init
        const [v, a] = inits
        if (v === undefined || a === undefined) return
        this.#writeInit(state, joinInitSegments(v, a))
        const clocks: TrackClock[] = [
          { trackId: VIDEO_TRACK_ID, timescale: v.timescale, epochTicksAtZero: (startMs * v.timescale) / 1000 },
          // the sound starts `lead` samples before the run, and AAC's first packet primes the decoder
          { trackId: AUDIO_TRACK_ID, timescale: a.timescale, epochTicksAtZero: (startMs * a.timescale) / 1000 - audioLeadSamples(startMs, a.timescale) - AAC_PRIMING_SAMPLES }
        ]
        cutter = new PartCutter(grid, clocks, boundary.t0Ms / grid.partMs)
        for (const [t, s] of early.splice(0)) this.#cut(state, cutter.push(t, s))
      }
      const onSample = (track: number) => (sample: Sample): void => {
        if (cutter === undefined) early.push([track, sample])
        else this.#cut(state, cutter.push(track, sample))
      }
      const readers = [new FragmentReader(onInit(0), onSample(0)), new FragmentReader(onInit(1), onSample(1))]
      ;[video, audio].forEach((stream, track) => {
        stream.on('data', (chunk: Buffer) => {
          if (this.#closed) return
          try {
            readers[track]?.push(chunk)
          } catch (err) {
            this.options.log.warn({ rendition: state.target.rendition, err: String(err) }, 'ffmpeg wrote fragmented MP4 the worker cannot read: this run publishes no more')
            video.destroy()
            audio.destroy()
          }
        })
        stream.on('error', () => {})
      })
    })
  }

  /** Publishes no more. The pipes flow again (their bytes dropped), so a stopping ffmpeg never blocks on one. */
  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#wake)
    for (const stream of this.#streams) stream.resume()
    await Promise.allSettled(this.#renditions.map((r) => r.chain))
  }

  #writeInit (state: RenditionState, init: Buffer): void {
    if (state.lastInit?.equals(init) === true) return
    state.lastInit = init
    this.#enqueue(state, async () => { await writeFileAtomic(join(state.target.dir, INIT_SEGMENT), init) })
  }

  #cut (state: RenditionState, parts: readonly CutPart[]): void {
    for (const part of parts) {
      const index = this.#indexOf(part)
      // an earlier run cut it (the same bytes): it is held or published already
      if (state.nextToCut !== undefined && index < state.nextToCut) continue
      state.held.push(part)
      state.nextToCut = index + 1
    }
    if (parts.length > 0) this.#pump()
  }

  /** A part's index on the epoch grid, counted from the epoch: what a run's successor finds again. */
  #indexOf (part: CutPart): number {
    return part.msn * this.#partsPerSegment + part.index
  }

  /** Publishes the parts that are due, pauses or resumes the run, and wakes at the next time either changes. */
  #pump (): void {
    if (this.#closed) return
    const now = Date.now()
    const endMs = (part: CutPart): number => (this.#indexOf(part) + 1) * this.#partMs
    for (const state of this.#renditions) {
      while (state.held[0] !== undefined && endMs(state.held[0]) <= now) {
        const part = state.held.shift() as CutPart
        this.#enqueue(state, async () => { await this.#publishPart(state, part) })
      }
    }
    const cut = this.#renditions.flatMap((r) => r.nextToCut === undefined ? [] : [r.nextToCut * this.#partMs])
    const held = this.#renditions.flatMap((r) => r.held[0] === undefined ? [] : [endMs(r.held[0])])
    const decision = paceRun(now, cut.length === 0 ? undefined : { slowestMs: Math.min(...cut), fastestMs: Math.max(...cut) }, held.length === 0 ? undefined : Math.min(...held))
    if (decision.pause !== this.#paused) {
      this.#paused = decision.pause
      for (const stream of this.#streams) decision.pause ? stream.pause() : stream.resume()
    }
    clearTimeout(this.#wake)
    this.#wake = decision.wakeAtMs === undefined ? undefined : setTimeout(() => { this.#pump() }, Math.max(0, decision.wakeAtMs - now))
  }

  #enqueue (state: RenditionState, job: () => Promise<void>): void {
    state.chain = state.chain.then(async () => {
      if (!this.#closed) await job()
    }).catch((err: unknown) => { this.options.log.warn({ err, rendition: state.target.rendition }, 'CMAF publish failed') })
  }

  async #publishPart (state: RenditionState, part: CutPart): Promise<void> {
    const o = this.options
    const dir = state.target.dir
    const bytes = writeFragment(((this.#indexOf(part) + 1) % 2 ** 32) >>> 0, part.tracks)
    await writeFileAtomic(join(dir, partName(part.msn, part.index)), bytes)
    state.window = addPart(state.window, o, part.msn, part.index, part.independent)
    const listed = state.window.currentParts.length
    const completed = state.window.segments[state.window.segments.length - 1]
    const closedSegment = completed?.msn === part.msn && listed === 0
    // the bytes follow the window: the parts it lists for the open segment, this one last
    if (closedSegment) await writeFileAtomic(join(dir, segmentName(part.msn)), Buffer.concat([...state.partBytes, bytes]))
    state.partBytes = listed === 0 ? [] : [...state.partBytes.slice(0, listed - 1), bytes]
    await this.#writePlaylist(state)
    if (closedSegment) {
      o.onPublished?.({ rendition: state.target.rendition, lastMsn: part.msn })
      await this.#removeOld(state)
    }
  }

  async #writePlaylist (state: RenditionState): Promise<void> {
    const reports = this.#renditions
      .filter((r) => r !== state)
      .map((r) => reportOf(r.window, `../${r.target.rendition}/${PUBLIC_PLAYLIST}`))
      .filter((r) => r !== undefined)
    const playlist = windowPlaylist(state.window, this.options, reports)
    if (playlist === undefined) return
    await writeFileAtomic(join(state.target.dir, PUBLIC_PLAYLIST), serializeMediaPlaylist(playlist, { serverControl: cmafServerControl(this.options) }))
  }

  /** Removes parts and segments that left the window more than lingerSegments ago, this run's or an earlier one's. */
  async #removeOld (state: RenditionState): Promise<void> {
    const first = state.window.segments[0]
    if (first === undefined) return
    const below = first.msn - this.options.lingerSegments
    for (const name of await readdir(state.target.dir)) {
      const match = CMAF_FILE.exec(name)
      if (match !== null && Number(match[1]) < below) await rm(join(state.target.dir, name), { force: true })
    }
  }
}
