/**
 * Appending: the next output MSN from any aligned usable source (the sticky one first), and, when
 * none has it and the output is overdue, a stitch: a non-aligned source continues the output
 * after an EXT-X-DISCONTINUITY and starts a new run.
 */
import type { MediaPlaylist, Segment } from './media-playlist.js'
import { segmentByMsn } from './media-playlist.js'
import type { OutputEntry, OutputRendition, SourceInput } from './timeline-state.js'
import { outputRendition, withCandidate } from './timeline-parts.js'
import type { SegmentsByRendition, StepContext, TimelineDraft } from './timeline-draft.js'
import {
  commonRange, currentAlignment, entryDuration, lastEntry, pdtTolerance, preferredFirst, referenceRendition, segmentTag,
  segmentsAt, sortedSourceIds
} from './timeline-draft.js'
import { FALLBACK_TARGET_DURATION_S } from './target-duration.js'

/** The output renditions of one MSN: the provider first, then every aligned source that lists it. */
function buildRenditions (draft: TimelineDraft, ctx: StepContext, msn: number, providerId: string, segments: SegmentsByRendition): Record<string, OutputRendition> {
  const out: Record<string, OutputRendition> = {}
  const tag = segmentTag(segments.get(referenceRendition(draft))?.programDateTimeMs, draft.runTag)
  for (const [rendition, segment] of segments) {
    let output = outputRendition(msn, segment, tag, { sourceId: providerId, uri: segment.uri })
    for (const id of sortedSourceIds(ctx.sources)) {
      const alignment = currentAlignment(draft, id)
      if (id === providerId || alignment === undefined) continue
      const playlist = ctx.sources.get(id)?.playlists.get(rendition)
      const other = playlist === undefined ? undefined : segmentByMsn(playlist, msn - alignment.offset)
      if (other !== undefined) output = withCandidate(output, id, other)
    }
    out[rendition] = output
  }
  return out
}

/** Appends the next MSN from these segments, keeping output PDTs increasing. */
export function appendEntry (draft: TimelineDraft, ctx: StepContext, providerId: string, segments: SegmentsByRendition, forceDiscontinuity: boolean): void {
  const previous = lastEntry(draft) as OutputEntry
  const msn = previous.msn + 1
  const referenceSegment = segments.get(referenceRendition(draft)) as Segment
  const sourcePdt = referenceSegment.programDateTimeMs
  const previousDurationMs = entryDuration(previous, draft) * 1000
  const previousEnd = previous.pdtMs + previousDurationMs
  let discontinuity = forceDiscontinuity || referenceSegment.discontinuity
  // A time gap inside an aligned source (it skipped media) is a discontinuity too.
  if (!discontinuity && sourcePdt !== undefined && previous.srcPdtMs !== undefined && previous.run === draft.run &&
    Math.abs(sourcePdt - (previous.srcPdtMs + previousDurationMs)) > Math.max(pdtTolerance(draft, ctx.options), previousDurationMs / 2)) discontinuity = true
  let pdtMs = sourcePdt === undefined ? previousEnd : sourcePdt + draft.runPdtShiftMs
  if (forceDiscontinuity && sourcePdt !== undefined) {
    draft.runPdtShiftMs = 0
    pdtMs = sourcePdt
  }
  if (pdtMs <= previous.pdtMs) {
    // Never let output PDT go backward (a source clock behind ours): continue from the output's end.
    discontinuity = true
    pdtMs = previousEnd
    if (sourcePdt !== undefined) draft.runPdtShiftMs = pdtMs - sourcePdt
  }
  const renditions = buildRenditions(draft, ctx, msn, providerId, segments)
  draft.entries.push(sourcePdt === undefined
    ? { msn, discontinuity, pdtMs, run: draft.run, renditions }
    : { msn, discontinuity, pdtMs, srcPdtMs: sourcePdt, run: draft.run, renditions })
  draft.lastAppendAt = ctx.now
  draft.preferredSourceId = providerId
}

/** Appends the next MSN from the first aligned usable source that lists it; false if none does. */
export function appendFromAligned (draft: TimelineDraft, ctx: StepContext): boolean {
  const last = lastEntry(draft)
  if (last === undefined) return false
  for (const id of preferredFirst(draft, sortedSourceIds(ctx.sources))) {
    const alignment = currentAlignment(draft, id)
    if (alignment === undefined || ctx.usable.get(id) !== true) continue
    const segments = segmentsAt(ctx.sources.get(id) as SourceInput, draft.renditions, last.msn + 1 - alignment.offset)
    if (segments === undefined) continue
    appendEntry(draft, ctx, id, segments, false)
    return true
  }
  return false
}

/** The next segment is late by more than the grace: a gap may be bridged or a source stitched in. */
export function isOverdue (draft: TimelineDraft, ctx: StepContext): boolean {
  const last = lastEntry(draft)
  if (last === undefined || draft.lastAppendAt === undefined) return false
  const td = (draft.targetDuration ?? FALLBACK_TARGET_DURATION_S) * 1000
  return ctx.now >= draft.lastAppendAt + entryDuration(last, draft) * 1000 + ctx.options.graceTargetDurations * td
}

/** The segment a source would be stitched in with, or undefined if it has nothing new. */
function stitchPoint (draft: TimelineDraft, ctx: StepContext, id: string): { sourceMsn: number, segments: SegmentsByRendition } | undefined {
  const source = ctx.sources.get(id) as SourceInput
  const last = lastEntry(draft) as OutputEntry
  const range = commonRange(source, draft.renditions)
  if (range === undefined) return undefined
  const reference = source.playlists.get(referenceRendition(draft)) as MediaPlaylist
  const alignment = currentAlignment(draft, id)
  let from: number | undefined
  if (alignment !== undefined) {
    from = Math.max(range.first, last.msn + 1 - alignment.offset) // an aligned source that jumped forward
  } else {
    const end = last.pdtMs + entryDuration(last, draft) * 1000
    const tolerance = pdtTolerance(draft, ctx.options)
    for (let msn = range.first; msn <= range.last; msn++) {
      const pdt = segmentByMsn(reference, msn)?.programDateTimeMs
      if (pdt !== undefined && pdt >= end - tolerance) { from = msn; break }
    }
    from = from ?? range.last
  }
  for (let msn = from; msn <= range.last; msn++) {
    const segments = segmentsAt(source, draft.renditions, msn)
    if (segments !== undefined) return { sourceMsn: msn, segments }
  }
  return undefined
}

/** Continues the output from a source that does not line up: a discontinuity and a new run. */
export function stitch (draft: TimelineDraft, ctx: StepContext): boolean {
  const usable = sortedSourceIds(ctx.sources).filter((id) => ctx.usable.get(id) === true)
  const aligned = usable.filter((id) => draft.alignments[id]?.run === draft.run)
  const others = usable.filter((id) => draft.alignments[id]?.run !== draft.run)
  // Sticky first, then sources on the current timeline that jumped, then the rest.
  for (const id of preferredFirst(draft, [...aligned, ...others])) {
    const point = stitchPoint(draft, ctx, id)
    if (point === undefined) continue
    const last = lastEntry(draft) as OutputEntry
    draft.run += 1
    draft.runTag = ctx.now.toString(36)
    draft.alignments = { [id]: { offset: last.msn + 1 - point.sourceMsn, run: draft.run, newestMsn: point.sourceMsn } }
    appendEntry(draft, ctx, id, point.segments, true)
    return true
  }
  return false
}
