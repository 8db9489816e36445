// Shared builders for the timeline tests: simulated packagers and a driver that checks every output.
import type { MediaPlaylist, Segment } from '../../internal/hls/media-playlist.js'
import type { SourceInput, TimelineOptions, TimelineState } from '../../internal/hls/timeline-state.js'
import { DEFAULT_TIMELINE_OPTIONS, EMPTY_TIMELINE } from '../../internal/hls/timeline-state.js'
import { advanceTimeline, timelinePlaylist } from '../../internal/hls/signal-timeline.js'
import { checkPlaylistUpdate, recordPlaylist, EMPTY_HISTORY } from '../../internal/hls/playlist-rules.js'
import type { PlaylistHistory, Violation } from '../../internal/hls/playlist-rules.js'

export const RENDITIONS = ['360p', '720p'] as const
export const SEG_MS = 2000

export interface PlaylistSpec {
  /** First MSN listed. */
  first: number
  count: number
  td?: number
  dur?: number
  /** PDT of segment `first`; undefined: no PDT. */
  pdtOfFirst?: number
  /** Segment URI for an MSN. */
  uri?: (msn: number) => string
  discontinuityAt?: readonly number[]
}

export function mediaPlaylist (spec: PlaylistSpec): MediaPlaylist {
  const dur = spec.dur ?? 2
  const segments: Segment[] = []
  for (let i = 0; i < spec.count; i++) {
    const msn = spec.first + i
    const s: Segment = { msn, uri: spec.uri?.(msn) ?? `${msn}.ts`, duration: dur, discontinuity: spec.discontinuityAt?.includes(msn) === true }
    segments.push(spec.pdtOfFirst === undefined ? s : { ...s, programDateTimeMs: spec.pdtOfFirst + i * dur * 1000 })
  }
  return { kind: 'media', version: 3, targetDuration: spec.td ?? 2, mediaSequence: spec.first, discontinuitySequence: 0, segments, endList: false, independentSegments: true }
}

/** The same playlist for every rendition. */
export function source (spec: PlaylistSpec | undefined, eligible = true, renditions: readonly string[] = RENDITIONS): SourceInput {
  const playlists = new Map<string, MediaPlaylist>()
  if (spec !== undefined) for (const r of renditions) playlists.set(r, mediaPlaylist(spec))
  return { playlists, eligible }
}

/** An epoch-locked worker behind a packager at time `now`: msn = epoch / 2 s, PDT = msn * 2 s. */
export function epochSource (now: number, opts: { window?: number, lag?: number, eligible?: boolean, renditions?: readonly string[] } = {}): SourceInput {
  const newest = Math.floor(now / SEG_MS) - 1 - (opts.lag ?? 0)
  const count = opts.window ?? 6
  return source({ first: newest - count + 1, count, pdtOfFirst: (newest - count + 1) * SEG_MS }, opts.eligible ?? true, opts.renditions)
}

/** A non-locked encoder started at `startedAt` whose MSN starts at 0 and whose PDT is its wall clock. */
export function freeSource (now: number, startedAt: number, opts: { window?: number, eligible?: boolean, phaseMs?: number, pdt?: boolean } = {}): SourceInput | undefined {
  const produced = Math.floor((now - startedAt) / SEG_MS)
  if (produced <= 0) return undefined
  const count = Math.min(opts.window ?? 6, produced)
  const first = produced - count
  const spec: PlaylistSpec = { first, count, uri: (m) => `seg${m}.ts` }
  if (opts.pdt !== false) spec.pdtOfFirst = startedAt + first * SEG_MS + (opts.phaseMs ?? 0)
  return source(spec, opts.eligible ?? true)
}

export interface RunOutput {
  state: TimelineState
  /** Every distinct output per rendition, in order. */
  outputs: Map<string, MediaPlaylist[]>
  violations: Array<Violation & { rendition: string, at: number }>
  stitches: number
  /** Times of every change. */
  changes: number[]
}

export interface Driver {
  step: (now: number, sources: Map<string, SourceInput>) => void
  result: () => RunOutput
}

/** Feeds advanceTimeline and runs the rule checker on every changed output. */
export function driver (options: TimelineOptions = DEFAULT_TIMELINE_OPTIONS): Driver {
  let state: TimelineState = EMPTY_TIMELINE
  const outputs = new Map<string, MediaPlaylist[]>()
  const histories = new Map<string, PlaylistHistory>()
  const violations: RunOutput['violations'] = []
  const changes: number[] = []
  let stitches = 0
  return {
    step (now, sources) {
      const r = advanceTimeline(state, { now, sources }, options)
      state = r.state
      stitches += r.stitches
      if (!r.changed) return
      changes.push(now)
      for (const rendition of state.renditions) {
        const p = timelinePlaylist(state, rendition)
        if (p === undefined) continue
        const h = histories.get(rendition) ?? EMPTY_HISTORY
        for (const v of checkPlaylistUpdate(h, p, now)) violations.push({ ...v, rendition, at: now })
        histories.set(rendition, recordPlaylist(h, p, now))
        const list = outputs.get(rendition) ?? []
        list.push(p)
        outputs.set(rendition, list)
      }
    },
    result: () => ({ state, outputs, violations, stitches, changes })
  }
}

export function lastOutput (r: RunOutput, rendition: string = RENDITIONS[0]): MediaPlaylist {
  const list = r.outputs.get(rendition) ?? []
  const p = list[list.length - 1]
  if (p === undefined) throw new Error(`no output for ${rendition}`)
  return p
}

/** A small seeded PRNG (mulberry32), so the long simulation is reproducible. */
export function seeded (seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6D2B79F5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
