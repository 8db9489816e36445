/**
 * The first output of a timeline: choose one source, lock the target duration and renditions
 * on it, and copy its newest window (at least three target durations when it lists that much).
 */
import type { MediaPlaylist, Segment } from './media-playlist.js'
import { segmentByMsn } from './media-playlist.js'
import type { OutputRendition, SourceInput } from './timeline-state.js'
import type { StepContext, TimelineDraft } from './timeline-draft.js'
import { commonRange, lastEntry, outputName, segmentTag, sortedSourceIds, segmentsAt, sourceTargetDuration } from './timeline-draft.js'

/** The most live eligible source (newest PDT, else newest MSN); ties go to the first id. */
function pickInitialSource (sources: ReadonlyMap<string, SourceInput>): string | undefined {
  let best: { id: string, score: number } | undefined
  for (const id of sortedSourceIds(sources)) {
    const source = sources.get(id)
    if (source === undefined || !source.eligible || source.playlists.size === 0) continue
    const renditions = [...source.playlists.keys()].sort()
    const range = commonRange(source, renditions)
    if (range === undefined) continue
    // Ties go to the first id, so replicas that see the same inputs choose the same source.
    const reference = source.playlists.get(renditions[0] ?? '')
    const newest = reference === undefined ? undefined : segmentByMsn(reference, range.last)
    const score = newest?.programDateTimeMs ?? range.last
    if (best === undefined || score > best.score) best = { id, score }
  }
  return best?.id
}

/** Fills an empty draft from one source; returns how many entries it wrote (0: nothing to start from). */
export function startTimeline (draft: TimelineDraft, ctx: StepContext): number {
  const id = pickInitialSource(ctx.sources)
  const source = id === undefined ? undefined : ctx.sources.get(id)
  if (id === undefined || source === undefined) return 0
  const renditions = [...source.playlists.keys()].sort()
  const range = commonRange(source, renditions)
  if (range === undefined) return 0
  const td = sourceTargetDuration(source)
  draft.targetDuration = td
  draft.renditions = renditions
  draft.independentSegments = renditions.every((rendition) => source.playlists.get(rendition)?.independentSegments === true)
  draft.runTag = ctx.now.toString(36)
  draft.run = 0
  draft.runPdtShiftMs = 0
  // Keep windowSize segments, more when they are short, so the first window is >= 3 TD if possible.
  const reference = source.playlists.get(renditions[0] ?? '') as MediaPlaylist
  let first = range.last
  let total = segmentByMsn(reference, first)?.duration ?? 0
  while (first > range.first && (range.last - first + 1 < ctx.options.windowSize || total < 3 * td)) {
    first--
    total += segmentByMsn(reference, first)?.duration ?? 0
  }
  const hasPdt = segmentByMsn(reference, first)?.programDateTimeMs !== undefined
  // Without source PDTs the output still carries them (rule 6 needs PDT on stitched segments):
  // synthesized so the newest segment ends now.
  let synthesizedPdt = ctx.now - total * 1000
  for (let msn = first; msn <= range.last; msn++) {
    const segments = segmentsAt(source, renditions, msn)
    if (segments === undefined) break
    const referenceSegment = segments.get(renditions[0] ?? '') as Segment
    const sourcePdt = hasPdt ? referenceSegment.programDateTimeMs : undefined
    const pdtMs = sourcePdt ?? synthesizedPdt
    synthesizedPdt += referenceSegment.duration * 1000
    const outputs: Record<string, OutputRendition> = {}
    for (const [rendition, segment] of segments) {
      outputs[rendition] = { name: outputName(msn, segment.uri, segmentTag(sourcePdt, draft.runTag)), duration: segment.duration, candidates: [{ sourceId: id, uri: segment.uri }] }
    }
    const previous = lastEntry(draft)
    const discontinuity = msn !== first && referenceSegment.discontinuity
    if (previous !== undefined && pdtMs <= previous.pdtMs) break // a source whose PDTs go backward inside its window: stop there
    draft.entries.push(sourcePdt === undefined
      ? { msn, discontinuity, pdtMs, run: 0, renditions: outputs }
      : { msn, discontinuity, pdtMs, srcPdtMs: sourcePdt, run: 0, renditions: outputs })
  }
  if (draft.entries.length === 0) return 0
  draft.mediaSequence = first
  draft.discontinuitySequence = 0
  draft.lastAppendAt = ctx.now
  draft.preferredSourceId = id
  draft.alignments[id] = { offset: 0, run: 0, newestMsn: range.last }
  return draft.entries.length
}
