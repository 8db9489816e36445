/** The window: the head leaves once the window is long enough, and stays fetchable for a while. */
import type { OutputEntry } from './timeline-state.js'
import type { StepContext, TimelineDraft } from './timeline-draft.js'

/** Retires head entries beyond windowSize while 3 target durations stay; returns how many left. */
export function trimWindowHead (draft: TimelineDraft, ctx: StepContext): number {
  const td = draft.targetDuration ?? 0
  const totals: Record<string, number> = {}
  for (const rendition of draft.renditions) totals[rendition] = 0
  for (const entry of draft.entries) {
    for (const rendition of draft.renditions) totals[rendition] = (totals[rendition] ?? 0) + (entry.renditions[rendition]?.duration ?? 0)
  }
  let removed = 0
  while (draft.entries.length > ctx.options.windowSize) {
    const head = draft.entries[0] as OutputEntry
    const headDuration = (rendition: string): number => head.renditions[rendition]?.duration ?? 0
    // RFC 8216bis 6.2.2: never remove a segment if that leaves less than 3 target durations.
    if (!draft.renditions.every((rendition) => (totals[rendition] ?? 0) - headDuration(rendition) >= 3 * td - 1e-9)) break
    for (const rendition of draft.renditions) totals[rendition] = (totals[rendition] ?? 0) - headDuration(rendition)
    draft.entries.shift()
    draft.mediaSequence += 1
    if (head.discontinuity) draft.discontinuitySequence += 1
    draft.retired.push({ ...head, retiredAt: ctx.now })
    removed++
  }
  const keepMs = ctx.options.retainRetiredMs ?? (ctx.options.windowSize + 2) * td * 1000
  draft.retired = draft.retired.filter((entry) => ctx.now - entry.retiredAt <= keepMs)
  return removed
}
