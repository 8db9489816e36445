/**
 * The output timeline of one signal: pure stitching of what several packagers ("sources") list
 * into output media playlists that obey RFC 8216bis 6.2 against everything served before.
 *
 * How the origin service uses it (no I/O, no clock here: `now` is always a parameter):
 *   let state = EMPTY_TIMELINE
 *   every poll (e.g. 250 ms), per signal:
 *     const r = advanceTimeline(state, { now, sources }, options)
 *       // sources: sourceId -> { playlists: rendition -> parsed MediaPlaylist, eligible }
 *       // eligible comes from source-health.ts (healthy, not stale, held after recovery)
 *     state = r.state
 *     if (r.changed) rebuild cached text: renderTimeline(state, rendition, { uriBase })
 *       // state.version names the change; serve the cached text until the next change
 *   GET /<signal>/<rendition>/<name>  -> findOutputSegment(state, rendition, name).candidates
 *       // fetch from the first candidate, fail over to the next (uri is relative to that
 *       // source's media playlist URL); retired segments stay findable for a while
 *   blocking reload _HLS_msn=N        -> wait until lastOutputMsn(state) >= N
 *
 * Model: output MSNs are contiguous and shared by all renditions, so discontinuity decisions are
 * per signal and every rendition carries the same EXT-X-DISCONTINUITY-SEQUENCE (RFC 6.2.4).
 * Each source gets an offset (outputMsn - sourceMsn) found by matching its PROGRAM-DATE-TIMEs
 * (or, without PDT, its segment URIs) against the current run of the output. Epoch-locked
 * workers line up at offset 0, so the output is the union of all aligned sources: MSN L+1 comes
 * from any eligible aligned source that lists it, and every aligned source listing a segment is a
 * fetch candidate. A source that does not line up (restart at 0, foreign packager, forward jump)
 * is stitched in only when no aligned eligible source can give the next segment and the output
 * is overdue; that segment carries EXT-X-DISCONTINUITY + PDT and starts a new run, in which the
 * other sources must line up again before they are used.
 *
 * Output names: "<msn>.<ext>" when the upstream file already has that name (epoch-locked source
 * at offset 0, so restarted origins and replicas name segments the same way, and edge caches stay
 * valid), otherwise "<msn>_<tag>.<ext>": unique per output MSN and, through the tag (the source
 * segment's PDT, or the run's start time without one), the same on replicas that stitched the
 * same segment and not reused by an origin that restarted and numbers differently.
 *
 * The step runs in sections, one file each: timeline-start.ts (the first output),
 * timeline-alignment.ts (offsets and fetch candidates), timeline-append.ts (appending and
 * stitching), timeline-gaps.ts (EXT-X-GAP), timeline-window.ts (trimming the head);
 * timeline-draft.ts holds the working copy and the readers they share.
 */
import type { MediaPlaylist, Segment } from './media-playlist.js'
import { serializeMediaPlaylist } from './playlist-serializer.js'
import type { SerializeOptions } from './playlist-serializer.js'
import type {
  AdvanceInputs, AdvanceResult, FetchCandidate, OutputEntry, OutputRendition, SourceInput, SourceReport, TimelineOptions, TimelineState
} from './timeline-state.js'
import { DEFAULT_TIMELINE_OPTIONS } from './timeline-state.js'
import type { StepContext, TimelineDraft } from './timeline-draft.js'
import { sortedSourceIds, sourceTargetDuration } from './timeline-draft.js'
import { startTimeline } from './timeline-start.js'
import { addCandidates, alignSources } from './timeline-alignment.js'
import { appendFromAligned, isOverdue, stitch } from './timeline-append.js'
import { bridgeGap } from './timeline-gaps.js'
import { trimWindowHead } from './timeline-window.js'
import { findPartOrMap, partFields, updatePending } from './timeline-parts.js'

/** Decides for every source whether it may provide new segments in this step, and why not. */
function classifySources (draft: TimelineDraft, ctx: StepContext): void {
  for (const id of sortedSourceIds(ctx.sources)) {
    const source = ctx.sources.get(id) as SourceInput
    const td = sourceTargetDuration(source)
    const missing = draft.renditions.find((rendition) => !source.playlists.has(rendition))
    let reason: string | undefined
    // Longer segments could not be listed under the locked target duration at all.
    if (draft.targetDuration !== undefined && td > draft.targetDuration) reason = `target duration mismatch: ${td}s, output is locked at ${draft.targetDuration}s`
    else if (!source.eligible) reason = 'not eligible (health)'
    else if (missing !== undefined) reason = `missing rendition ${missing}`
    if (reason !== undefined) ctx.reasons.set(id, reason)
    ctx.usable.set(id, reason === undefined)
  }
}

function reportSources (draft: TimelineDraft, ctx: StepContext): Record<string, SourceReport> {
  const report: Record<string, SourceReport> = {}
  for (const id of sortedSourceIds(ctx.sources)) {
    const alignment = draft.alignments[id]
    const aligned = alignment !== undefined && alignment.run === draft.run
    const reason = ctx.reasons.get(id) ?? (aligned ? undefined : 'not lined up with the output')
    const base = { aligned, usable: ctx.usable.get(id) === true }
    const withOffset = aligned ? { ...base, offset: alignment.offset } : base
    report[id] = reason === undefined ? withOffset : { ...withOffset, reason }
  }
  return report
}

/**
 * One step of the output timeline: lines sources up, appends every segment that can be appended
 * (from aligned sources at once, from a non-aligned one only when overdue), trims the head.
 */
export function advanceTimeline (state: TimelineState, inputs: AdvanceInputs, options: TimelineOptions = DEFAULT_TIMELINE_OPTIONS): AdvanceResult {
  const draft: TimelineDraft = {
    ...state,
    renditions: [...state.renditions],
    entries: [...state.entries],
    retired: [...state.retired],
    alignments: { ...state.alignments }
  }
  const ctx: StepContext = { now: inputs.now, sources: inputs.sources, options, usable: new Map(), reasons: new Map() }
  let appended = 0
  let stitches = 0
  let gaps = 0
  if (draft.targetDuration === undefined) {
    appended = startTimeline(draft, ctx)
    if (appended === 0) {
      return { state, changed: false, appended: 0, removed: 0, stitches: 0, gaps: 0, report: {} }
    }
  }
  classifySources(draft, ctx)
  alignSources(draft, ctx)
  addCandidates(draft, ctx)
  // Bounded: a source cannot make one step append more than its whole playlist.
  for (let guard = 0; guard < 10000; guard++) {
    if (appendFromAligned(draft, ctx)) { appended++; continue }
    const bridged = isOverdue(draft, ctx) ? bridgeGap(draft, ctx) : 0
    if (bridged > 0) {
      appended += bridged
      gaps += bridged - 1
      continue
    }
    if (isOverdue(draft, ctx) && stitch(draft, ctx)) {
      appended++
      stitches++
      alignSources(draft, ctx)
      addCandidates(draft, ctx)
      continue
    }
    break
  }
  const removed = trimWindowHead(draft, ctx)
  const partsChanged = updatePending(draft, ctx)
  const changed = appended > 0 || removed > 0 || partsChanged
  if (changed) draft.version = state.version + 1
  return { state: draft, changed, appended, removed, stitches, gaps, report: reportSources(draft, ctx) }
}

/** The output media playlist of one rendition, or undefined before the first output. */
export function timelinePlaylist (state: TimelineState, rendition: string, options: Pick<TimelineOptions, 'version'> = DEFAULT_TIMELINE_OPTIONS): MediaPlaylist | undefined {
  if (state.targetDuration === undefined || !state.renditions.includes(rendition)) return undefined
  const { partsFrom, ...ll } = partFields(state, rendition)
  const segments: Segment[] = state.entries.map((entry) => {
    const output = entry.renditions[rendition] as OutputRendition
    const parts = entry.msn >= partsFrom ? output.parts?.map((p) => ({ uri: p.name, duration: p.duration, independent: p.independent })) : undefined
    return {
      msn: entry.msn,
      uri: output.name,
      duration: output.duration,
      discontinuity: entry.discontinuity,
      programDateTimeMs: entry.pdtMs,
      ...(entry.gap === true ? { gap: true } : {}),
      ...(output.map === undefined ? {} : { map: output.map.name }),
      ...(parts === undefined ? {} : { parts })
    }
  })
  return {
    kind: 'media',
    // EXT-X-MAP in a media playlist needs version 6; delta updates (EXT-X-SKIP) need 9
    version: ll.partTargetDuration !== undefined ? Math.max(options.version, 9) : segments.some((s) => s.map !== undefined) ? Math.max(options.version, 6) : options.version,
    targetDuration: state.targetDuration,
    mediaSequence: state.mediaSequence,
    discontinuitySequence: state.discontinuitySequence,
    segments,
    endList: false,
    independentSegments: state.independentSegments,
    ...ll
  }
}

/** The output playlist text; changes only when state.version changes (for a given uriBase). */
export function renderTimeline (state: TimelineState, rendition: string, serialize?: SerializeOptions, options?: Pick<TimelineOptions, 'version'>): string | undefined {
  const playlist = timelinePlaylist(state, rendition, options)
  return playlist === undefined ? undefined : serializeMediaPlaylist(playlist, serialize)
}

/** Where GET <rendition>/<name> can be fetched from (window and recently retired segments). */
export function findOutputSegment (state: TimelineState, rendition: string, name: string): { msn: number, duration: number, candidates: readonly FetchCandidate[], gap: boolean } | undefined {
  for (const list of [state.entries, state.retired]) {
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i] as OutputEntry
      const output = entry.renditions[rendition]
      if (output !== undefined && output.name === name) return { msn: entry.msn, duration: output.duration, candidates: output.candidates, gap: entry.gap === true }
    }
  }
  const other = findPartOrMap(state, rendition, name)
  return other === undefined ? undefined : { ...other, gap: false }
}

/** Newest output MSN (all renditions share it), for blocking playlist reload; undefined before the first output. */
export function lastOutputMsn (state: TimelineState): number | undefined {
  return state.entries[state.entries.length - 1]?.msn
}

/** The current EXT-X-DISCONTINUITY-SEQUENCE (all renditions share it). */
export function timelineDiscontinuitySequence (state: TimelineState): number {
  return state.discontinuitySequence
}
