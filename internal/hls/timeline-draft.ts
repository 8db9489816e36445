/**
 * The working copy one step of the timeline edits, and the small readers every section of the
 * step shares (see signal-timeline.ts for the model). Nothing here is exported outside hls/.
 */
import type { Segment } from './media-playlist.js'
import { lastMsn as playlistLastMsn, segmentByMsn } from './media-playlist.js'
import { baseName } from './playlist-uri.js'
import { FALLBACK_TARGET_DURATION_S } from './target-duration.js'
import type { OutputEntry, RetiredEntry, SourceAlignment, SourceInput, TimelineOptions, TimelineState } from './timeline-state.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

/** A TimelineState being built by one advanceTimeline call: a fresh copy, so sections may mutate it. */
export type TimelineDraft = Mutable<Omit<TimelineState, 'entries' | 'retired' | 'alignments'>> & {
  entries: OutputEntry[]
  retired: RetiredEntry[]
  alignments: Record<string, SourceAlignment>
}

/** What one step knows besides the draft: the clock, this poll's sources, and the verdicts on them. */
export interface StepContext {
  readonly now: number
  readonly sources: ReadonlyMap<string, SourceInput>
  readonly options: TimelineOptions
  /** Source id -> may provide new segments in this step. */
  readonly usable: Map<string, boolean>
  /** Source id -> why it may not (for the report). */
  readonly reasons: Map<string, string>
}

/** One source MSN in every rendition, keyed by rendition. */
export type SegmentsByRendition = Map<string, Segment>

/** Source ids in a fixed order, so replicas that see the same inputs decide the same way. */
export function sortedSourceIds (sources: ReadonlyMap<string, SourceInput>): string[] {
  return [...sources.keys()].sort()
}

/** How far apart two PROGRAM-DATE-TIMEs may be and still name the same segment. */
export function pdtTolerance (draft: TimelineDraft, options: TimelineOptions): number {
  return options.pdtToleranceMs ?? Math.min(250, ((draft.targetDuration ?? FALLBACK_TARGET_DURATION_S) * 1000) / 4)
}

/** The rendition whose durations and PDTs stand for all of them (the first, sorted). */
export function referenceRendition (draft: TimelineDraft): string { return draft.renditions[0] ?? '' }

/** An entry's duration in the reference rendition, seconds. */
export function entryDuration (entry: OutputEntry, draft: TimelineDraft): number {
  return entry.renditions[referenceRendition(draft)]?.duration ?? draft.targetDuration ?? 0
}

export function lastEntry (draft: TimelineDraft): OutputEntry | undefined { return draft.entries[draft.entries.length - 1] }

/** The window entry with this output MSN, if listed. */
export function entryAt (draft: TimelineDraft, msn: number): OutputEntry | undefined {
  const entry = draft.entries[msn - draft.mediaSequence]
  return entry !== undefined && entry.msn === msn ? entry : undefined
}

/** Segments of one source MSN in every locked rendition, or undefined if any rendition lacks it. */
export function segmentsAt (source: SourceInput, renditions: readonly string[], msn: number): SegmentsByRendition | undefined {
  const out = new Map<string, Segment>()
  for (const rendition of renditions) {
    const playlist = source.playlists.get(rendition)
    const segment = playlist === undefined ? undefined : segmentByMsn(playlist, msn)
    if (segment === undefined) return undefined
    out.set(rendition, segment)
  }
  return out
}

/** The longest target duration a source lists, seconds. */
export function sourceTargetDuration (source: SourceInput): number {
  let td = 0
  for (const playlist of source.playlists.values()) td = Math.max(td, playlist.targetDuration)
  return td
}

/** "<msn>.<ext>" when the upstream name already is that (epoch-locked), else "<msn>_<tag>.<ext>". */
export function outputName (msn: number, upstreamUri: string, tag: string): string {
  const base = baseName(upstreamUri)
  const ext = base.slice(base.lastIndexOf('.') + 1)
  return base === `${msn}.${ext}` ? base : `${msn}_${tag}.${ext}`
}

/**
 * The tag in "<msn>_<tag>": the source segment's PROGRAM-DATE-TIME when it has one, so replicas
 * that follow the same sources name a stitched segment alike whenever each of them stitched (an
 * edge filling from either then lists the same URIs), and a restarted source (new PDTs) never
 * reuses a name for other media; without a PDT, the run's tag (its start time).
 */
export function segmentTag (sourcePdtMs: number | undefined, runTag: string): string {
  return sourcePdtMs === undefined ? runTag : `p${sourcePdtMs.toString(36)}`
}

/** A source's MSN range common to all renditions. */
export function commonRange (source: SourceInput, renditions: readonly string[]): { first: number, last: number } | undefined {
  let first = -Infinity
  let last = Infinity
  for (const rendition of renditions) {
    const playlist = source.playlists.get(rendition)
    if (playlist === undefined || playlist.segments.length === 0) return undefined
    first = Math.max(first, playlist.mediaSequence)
    last = Math.min(last, playlistLastMsn(playlist))
  }
  return first <= last ? { first, last } : undefined
}

/** The sticky source first, the rest in their order. */
export function preferredFirst (draft: TimelineDraft, sourceIds: string[]): string[] {
  const preferred = draft.preferredSourceId
  return preferred !== undefined && sourceIds.includes(preferred) ? [preferred, ...sourceIds.filter((id) => id !== preferred)] : sourceIds
}

/** The source's alignment if it belongs to the current run. */
export function currentAlignment (draft: TimelineDraft, sourceId: string): SourceAlignment | undefined {
  const alignment = draft.alignments[sourceId]
  return alignment !== undefined && alignment.run === draft.run ? alignment : undefined
}
