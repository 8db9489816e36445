/**
 * Source alignment: for each source, the offset (outputMsn - sourceMsn) at which its segments
 * are the output's, found by matching PROGRAM-DATE-TIMEs (or, without PDT, segment URIs) in the
 * current run, re-checked every step because a restart or a jump breaks it.
 */
import { lastMsn as playlistLastMsn, segmentByMsn } from './media-playlist.js'
import type { OutputEntry, OutputRendition, SourceInput } from './timeline-state.js'
import type { StepContext, TimelineDraft } from './timeline-draft.js'
import { withCandidate } from './timeline-parts.js'
import { entryAt, entryDuration, lastEntry, pdtTolerance, referenceRendition, sortedSourceIds } from './timeline-draft.js'

/**
 * Compares a source with the output where they overlap in the current run: -1 on any
 * contradiction (other URI than it gave before, PDT off), else how many segments agree.
 */
function agreement (draft: TimelineDraft, ctx: StepContext, id: string, source: SourceInput, offset: number): number {
  const reference = referenceRendition(draft)
  const playlist = source.playlists.get(reference)
  if (playlist === undefined) return 0
  const tolerance = pdtTolerance(draft, ctx.options)
  let agree = 0
  for (const segment of playlist.segments) {
    const entry = entryAt(draft, segment.msn + offset)
    if (entry === undefined || entry.run !== draft.run) continue
    const given = entry.renditions[reference]?.candidates.find((c) => c.sourceId === id)
    if (given !== undefined) {
      if (given.uri !== segment.uri) return -1
      agree++
    } else if (entry.srcPdtMs !== undefined && segment.programDateTimeMs !== undefined) {
      if (Math.abs(entry.srcPdtMs - segment.programDateTimeMs) > tolerance) return -1
      agree++
    }
    // One side without PDT and not yet a candidate: nothing to compare.
  }
  return agree
}

/** The first offset at which the source lines up with the current run without contradiction. */
function findOffset (draft: TimelineDraft, ctx: StepContext, id: string, source: SourceInput): number | undefined {
  const reference = referenceRendition(draft)
  const playlist = source.playlists.get(reference)
  const last = lastEntry(draft)
  if (playlist === undefined || last === undefined) return undefined
  const tolerance = pdtTolerance(draft, ctx.options)
  const run = draft.entries.filter((entry) => entry.run === draft.run)
  const tries: number[] = []
  for (const segment of playlist.segments) {
    for (const entry of run) {
      if (segment.programDateTimeMs !== undefined && entry.srcPdtMs !== undefined) {
        if (Math.abs(segment.programDateTimeMs - entry.srcPdtMs) <= tolerance) tries.push(entry.msn - segment.msn)
      } else if (entry.renditions[reference]?.candidates.some((c) => c.uri === segment.uri) === true) {
        // No PDT on one side: the same upstream name (two packagers on one output folder) ties them.
        tries.push(entry.msn - segment.msn)
      }
    }
    // A source that is already ahead lines up at the output's end.
    if (last.run === draft.run && last.srcPdtMs !== undefined && segment.programDateTimeMs !== undefined &&
      Math.abs(last.srcPdtMs + entryDuration(last, draft) * 1000 - segment.programDateTimeMs) <= tolerance) tries.push(last.msn + 1 - segment.msn)
  }
  for (const offset of tries) if (agreement(draft, ctx, id, source, offset) >= 0) return offset
  return undefined
}

// After a restart a source may list other media under a name it used before: those candidates go.
// Names it no longer lists stay (the old file is likely still there; the service fails over anyway).
function dropReusedCandidates (draft: TimelineDraft, id: string, source: SourceInput): void {
  const listed = new Map<string, Set<string>>()
  for (const [rendition, playlist] of source.playlists) listed.set(rendition, new Set(playlist.segments.map((s) => s.uri)))
  const strip = <E extends OutputEntry>(entry: E): E => {
    let renditions: Record<string, OutputRendition> | undefined
    for (const [rendition, output] of Object.entries(entry.renditions)) {
      const keep = output.candidates.filter((c) => c.sourceId !== id || listed.get(rendition)?.has(c.uri) !== true)
      if (keep.length === output.candidates.length) continue
      renditions = renditions ?? { ...entry.renditions }
      renditions[rendition] = { ...output, candidates: keep }
    }
    return renditions === undefined ? entry : { ...entry, renditions }
  }
  draft.entries = draft.entries.map(strip)
  draft.retired = draft.retired.map(strip)
}

/** Re-checks aligned sources (a restart or jump breaks alignment) and lines up the others. */
export function alignSources (draft: TimelineDraft, ctx: StepContext): void {
  for (const id of sortedSourceIds(ctx.sources)) {
    const source = ctx.sources.get(id) as SourceInput
    if (ctx.reasons.get(id)?.startsWith('target duration') === true) continue
    const playlist = source.playlists.get(referenceRendition(draft))
    if (playlist === undefined || playlist.segments.length === 0) continue
    const newest = playlistLastMsn(playlist)
    const alignment = draft.alignments[id]
    if (alignment !== undefined && alignment.run === draft.run) {
      const agree = agreement(draft, ctx, id, source, alignment.offset)
      // Going backward with nothing in common with the output is a restart (e.g. at 0); going
      // backward while still matching is only a lagging packager.
      if (agree < 0 || (newest < alignment.newestMsn && agree === 0)) {
        delete draft.alignments[id]
        dropReusedCandidates(draft, id, source)
      } else {
        if (newest > alignment.newestMsn) draft.alignments[id] = { ...alignment, newestMsn: newest }
        continue
      }
    } else if (alignment !== undefined) {
      delete draft.alignments[id]
    }
    const offset = findOffset(draft, ctx, id, source)
    if (offset !== undefined) draft.alignments[id] = { offset, run: draft.run, newestMsn: newest }
  }
}

/** Adds every aligned source that lists a window segment as a fetch candidate for it. */
export function addCandidates (draft: TimelineDraft, ctx: StepContext): void {
  draft.entries = draft.entries.map((entry) => {
    let renditions: Record<string, OutputRendition> | undefined
    for (const id of sortedSourceIds(ctx.sources)) {
      const alignment = draft.alignments[id]
      if (alignment === undefined || alignment.run !== entry.run) continue
      const source = ctx.sources.get(id) as SourceInput
      for (const rendition of draft.renditions) {
        const playlist = source.playlists.get(rendition)
        const segment = playlist === undefined ? undefined : segmentByMsn(playlist, entry.msn - alignment.offset)
        const current = (renditions ?? entry.renditions)[rendition]
        if (segment === undefined || current === undefined || current.candidates.some((c) => c.sourceId === id)) continue
        renditions = renditions ?? { ...entry.renditions }
        renditions[rendition] = withCandidate(current, id, segment)
      }
    }
    return renditions === undefined ? entry : { ...entry, renditions }
  })
}
