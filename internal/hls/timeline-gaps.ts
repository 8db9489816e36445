/**
 * Gaps: an aligned source that skipped MSNs (an epoch-locked encoder restarted one boundary
 * later: its numbers and timestamps go on, a segment is missing) continues the output without a
 * discontinuity. The missing MSNs are listed as EXT-X-GAP, which players skip.
 */
import type { OutputEntry, OutputRendition, SourceInput, TimelineOptions } from './timeline-state.js'
import type { SegmentsByRendition, StepContext, TimelineDraft } from './timeline-draft.js'
import { commonRange, currentAlignment, entryDuration, lastEntry, outputName, pdtTolerance, preferredFirst, referenceRendition, segmentTag, segmentsAt, sortedSourceIds } from './timeline-draft.js'
import { appendEntry } from './timeline-append.js'
import { baseName } from './playlist-uri.js'

/** At most this many missing MSNs in a row are bridged; beyond, the window would hold too little media. */
function maxGapSegments (options: TimelineOptions): number { return Math.max(1, options.windowSize - 3) }

/**
 * Lists the MSNs an aligned source skipped as gaps and appends its next segment, only when its
 * PROGRAM-DATE-TIME lands where the missing segments end, each at most one target duration long.
 * Returns how many entries it appended (gaps and the segment after them).
 */
export function bridgeGap (draft: TimelineDraft, ctx: StepContext): number {
  const last = lastEntry(draft)
  if (last === undefined || last.srcPdtMs === undefined || last.run !== draft.run) return 0
  const tdMs = (draft.targetDuration ?? 0) * 1000
  const tolerance = pdtTolerance(draft, ctx.options)
  for (const id of preferredFirst(draft, sortedSourceIds(ctx.sources))) {
    const alignment = currentAlignment(draft, id)
    if (alignment === undefined || ctx.usable.get(id) !== true) continue
    const source = ctx.sources.get(id) as SourceInput
    const range = commonRange(source, draft.renditions)
    const wanted = last.msn + 1 - alignment.offset
    if (range === undefined || range.last <= wanted) continue
    let found: { sourceMsn: number, segments: SegmentsByRendition } | undefined
    for (let msn = Math.max(range.first, wanted + 1); msn <= range.last && found === undefined; msn++) {
      const segments = segmentsAt(source, draft.renditions, msn)
      if (segments !== undefined) found = { sourceMsn: msn, segments }
    }
    if (found === undefined) continue
    const missing = found.sourceMsn - wanted
    const pdt = found.segments.get(referenceRendition(draft))?.programDateTimeMs
    if (missing > maxGapSegments(ctx.options) || pdt === undefined) continue
    const gapStart = last.srcPdtMs + entryDuration(last, draft) * 1000
    const eachMs = (pdt - gapStart) / missing
    if (eachMs < tdMs / 2 || eachMs > tdMs + tolerance) continue
    for (let i = 0; i < missing; i++) appendGapEntry(draft, ctx, found.segments, alignment.offset, gapStart + i * eachMs, eachMs / 1000)
    appendEntry(draft, ctx, id, found.segments, false)
    return missing + 1
  }
  return 0
}

function appendGapEntry (draft: TimelineDraft, ctx: StepContext, next: SegmentsByRendition, offset: number, srcPdtMs: number, duration: number): void {
  const previous = lastEntry(draft) as OutputEntry
  const msn = previous.msn + 1
  const renditions: Record<string, OutputRendition> = {}
  for (const [rendition, segment] of next) {
    // named as the source would have named it, so an epoch-locked gap keeps its epoch name
    const ext = segment.uri.slice(segment.uri.lastIndexOf('.') + 1)
    const epochNamed = baseName(segment.uri) === `${segment.msn}.${ext}`
    renditions[rendition] = { name: outputName(msn, epochNamed ? `${msn - offset}.${ext}` : segment.uri, segmentTag(srcPdtMs, draft.runTag)), duration, candidates: [] }
  }
  draft.entries.push({ msn, discontinuity: false, pdtMs: srcPdtMs + draft.runPdtShiftMs, srcPdtMs, run: draft.run, gap: true, renditions })
  draft.lastAppendAt = ctx.now
}
