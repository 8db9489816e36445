import type { Sample } from '../cmaf/fragment-reader.js'
import type { TimedSample } from '../cmaf/fragment-writer.js'

/** The epoch grid parts are cut on. */
export interface PartGrid {
  readonly segmentMs: number
  /** Divides segmentMs. */
  readonly partMs: number
}

/** Where one track's run-relative decode times sit on the epoch: epoch ticks of its dts 0. */
export interface TrackClock {
  readonly trackId: number
  readonly timescale: number
  readonly epochTicksAtZero: number
}

/** One part, complete: every track has moved past its end. */
export interface CutPart {
  readonly msn: number
  /** Index of the part in its segment, from 0. */
  readonly index: number
  /** Its first video sample is a sync sample: a player may start here (EXT-X-PART INDEPENDENT). */
  readonly independent: boolean
  readonly tracks: ReadonlyArray<{ readonly trackId: number, readonly samples: readonly TimedSample[] }>
}

/** Global index of the part a decode time (epoch ticks) falls in: floor(ms / partMs), exactly. */
export function partIndexOf (epochTicks: number, timescale: number, partMs: number): number {
  return Number((BigInt(epochTicks) * 1000n) / (BigInt(timescale) * BigInt(partMs)))
}

interface TrackState {
  readonly clock: TrackClock
  /** Part index of the newest sample seen, or -1. */
  newestPart: number
  readonly pending: Map<number, TimedSample[]>
}

/**
 * Cuts one rendition's tracks into parts on the epoch grid: a sample belongs to the part its
 * decode time falls in, and a part is handed out once every track has a sample past its end.
 * Samples before `firstPart` (the run's pre-roll) are dropped. The first track is the video: its
 * first sample says whether a part is independent.
 */
export class PartCutter {
  readonly #tracks: TrackState[]
  readonly #partsPerSegment: number
  #nextPart: number

  constructor (private readonly grid: PartGrid, clocks: readonly TrackClock[], firstPart: number) {
    if (grid.segmentMs % grid.partMs !== 0) throw new RangeError(`a part of ${grid.partMs} ms does not divide a ${grid.segmentMs} ms segment`)
    this.#partsPerSegment = grid.segmentMs / grid.partMs
    this.#tracks = clocks.map((clock) => ({ clock, newestPart: -1, pending: new Map() }))
    this.#nextPart = firstPart
  }

  get partsPerSegment (): number { return this.#partsPerSegment }

  /** Adds one sample of track `trackIndex` (in the order of `clocks`); returns the parts it completed. */
  push (trackIndex: number, sample: Sample): CutPart[] {
    const track = this.#tracks[trackIndex]
    if (track === undefined) throw new RangeError(`no track ${trackIndex}`)
    const decodeTime = track.clock.epochTicksAtZero + sample.dts
    const part = partIndexOf(decodeTime, track.clock.timescale, this.grid.partMs)
    track.newestPart = Math.max(track.newestPart, part)
    if (part >= this.#nextPart) {
      const list = track.pending.get(part) ?? []
      list.push({ decodeTime, duration: sample.duration, flags: sample.flags, cto: sample.cto, data: sample.data })
      track.pending.set(part, list)
    }
    return this.#completed()
  }

  #completed (): CutPart[] {
    const out: CutPart[] = []
    while (this.#tracks.every((t) => t.newestPart > this.#nextPart)) {
      const part = this.#nextPart++
      const tracks = this.#tracks.map((t) => {
        const samples = t.pending.get(part) ?? []
        t.pending.delete(part)
        return { trackId: t.clock.trackId, samples }
      })
      const firstVideo = tracks[0]?.samples[0]
      out.push({
        msn: Math.floor(part / this.#partsPerSegment),
        index: part % this.#partsPerSegment,
        independent: firstVideo !== undefined && (firstVideo.flags & 0x10000) === 0,
        tracks
      })
    }
    return out
  }
}
