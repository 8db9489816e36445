import type { MediaPlaylist } from './media-playlist.js'

/** One place a segment can be fetched from: a source (packager) and the URI it lists it under. */
export interface FetchCandidate {
  readonly sourceId: string
  /** As listed by the source, relative to that source's media playlist URL. */
  readonly uri: string
}

/** An output part (LL-HLS) or init segment: a name of ours and where its bytes are. */
export interface OutputPart {
  readonly name: string
  readonly duration: number
  readonly independent: boolean
  readonly candidates: readonly FetchCandidate[]
}

export interface OutputMap {
  readonly name: string
  readonly candidates: readonly FetchCandidate[]
}

/** One rendition's view of an output segment. */
export interface OutputRendition {
  /** The output segment name, relative to the output media playlist; immutable for its MSN. */
  readonly name: string
  readonly duration: number
  /** In order of preference: the source it was taken from first. */
  readonly candidates: readonly FetchCandidate[]
  /** The init segment (EXT-X-MAP) of a CMAF source. */
  readonly map?: OutputMap
  /** Its parts, when the source listed them and the segment keeps the source's name. */
  readonly parts?: readonly OutputPart[]
}

/**
 * The parts of the MSN after the last entry (LL-HLS), by rendition, as aligned sources list them.
 * A listed part stays listed: the list only grows until the segment is appended.
 */
export interface PendingParts {
  readonly msn: number
  readonly run: number
  readonly renditions: Readonly<Record<string, readonly OutputPart[]>>
  /** EXT-X-PRELOAD-HINT per rendition: the next part's name. */
  readonly hints: Readonly<Record<string, string>>
}

/** One output MSN, shared by every rendition of the signal (so discontinuity numbers match). */
export interface OutputEntry {
  readonly msn: number
  readonly discontinuity: boolean
  /** PDT written in the output, epoch ms. */
  readonly pdtMs: number
  /** PDT in the sources' own timeline (absent when synthesized): used to line other sources up. */
  readonly srcPdtMs?: number
  /** The timeline run the entry belongs to; a run starts at every stitch. */
  readonly run: number
  /** Listed as EXT-X-GAP: no source had this MSN, its neighbours line up around it. */
  readonly gap?: boolean
  readonly renditions: Readonly<Record<string, OutputRendition>>
}

/** An output entry that left the window, kept fetchable for a while (RFC 8216bis 6.2.2). */
export interface RetiredEntry extends OutputEntry {
  readonly retiredAt: number
}

/** How a source's MSNs map onto output MSNs in the current run: outputMsn = sourceMsn + offset. */
export interface SourceAlignment {
  readonly offset: number
  readonly run: number
  /** Newest source MSN seen while aligned: going backward means the source restarted. */
  readonly newestMsn: number
}

/**
 * The output timeline of one signal. Plain data (JSON-serializable), replaced, never mutated,
 * by advance(); everything served is derived from it.
 */
export interface TimelineState {
  /** Grows by one each time any output playlist text changes. */
  readonly version: number
  /** Locked at the first output; undefined until then. */
  readonly targetDuration?: number
  /** Locked at the first output, sorted. */
  readonly renditions: readonly string[]
  readonly independentSegments: boolean
  readonly mediaSequence: number
  readonly discontinuitySequence: number
  readonly entries: readonly OutputEntry[]
  readonly retired: readonly RetiredEntry[]
  readonly run: number
  /** Makes names of re-numbered segments unique across origin restarts: base36 of the run's start time. */
  readonly runTag: string
  /** Output PDT minus source PDT in the current run (non-zero only after a backward-in-time stitch). */
  readonly runPdtShiftMs: number
  readonly lastAppendAt?: number
  /** The source new segments were last taken from: kept while it can serve (sticky). */
  readonly preferredSourceId?: string
  readonly alignments: Readonly<Record<string, SourceAlignment>>
  /** EXT-X-PART-INF PART-TARGET, seconds: locked when a source first lists parts. */
  readonly partTarget?: number
  readonly pending?: PendingParts
}

/** What one source lists now, and whether the health tracker lets it provide new segments. */
export interface SourceInput {
  /** Rendition name -> parsed media playlist; a rendition that failed to load is simply absent. */
  readonly playlists: ReadonlyMap<string, MediaPlaylist>
  readonly eligible: boolean
}

export interface AdvanceInputs {
  readonly now: number
  readonly sources: ReadonlyMap<string, SourceInput>
}

/** Why a source is or is not used, for logs and metrics. */
export interface SourceReport {
  readonly aligned: boolean
  readonly offset?: number
  readonly usable: boolean
  readonly reason?: string
}

export interface AdvanceResult {
  readonly state: TimelineState
  /** The output playlist text changed (the state object may be new even when false: candidates). */
  readonly changed: boolean
  readonly appended: number
  readonly removed: number
  /** Stitches done in this step (each adds one EXT-X-DISCONTINUITY). */
  readonly stitches: number
  /** MSNs listed as EXT-X-GAP in this step. */
  readonly gaps: number
  readonly report: Readonly<Record<string, SourceReport>>
}

export interface TimelineOptions {
  /** Segments kept in the window (more if needed to keep 3 target durations). */
  readonly windowSize: number
  /** How late (in target durations) the next segment may be before a non-aligned source is stitched in. */
  readonly graceTargetDurations: number
  /** PDT match tolerance; default min(250 ms, TD/4). */
  readonly pdtToleranceMs?: number
  /** How long a segment stays fetchable after leaving the window; default (windowSize + 2) * TD. */
  readonly retainRetiredMs?: number
  /** EXT-X-VERSION written (PDT and float EXTINF need 3). */
  readonly version: number
}

export const DEFAULT_TIMELINE_OPTIONS: TimelineOptions = Object.freeze({ windowSize: 6, graceTargetDurations: 0.25, version: 3 })

export const EMPTY_TIMELINE: TimelineState = Object.freeze({
  version: 0,
  renditions: [],
  independentSegments: false,
  mediaSequence: 0,
  discontinuitySequence: 0,
  entries: [],
  retired: [],
  run: 0,
  runTag: '0',
  runPdtShiftMs: 0,
  alignments: {}
})
