/** Pure facts about a signal's output window that players are told or offered by. */
import type { TimelineState } from '../hls/timeline-state.js'

const HOLD_BACK_TARGET_DURATIONS = 4

/** Seconds of media in the output window (the reference rendition), 0 before the first output. */
export function windowSeconds (timeline: TimelineState): number {
  const reference = timeline.renditions[0]
  let total = 0
  for (const entry of timeline.entries) total += entry.renditions[reference ?? '']?.duration ?? 0
  return total
}

/**
 * HOLD-BACK (RFC 8216bis 4.4.3.8; at least 3 target durations) tells hls.js, Shaka Player and
 * video.js how far behind the live edge to play. One target duration above the minimum is the
 * reserve that carries a player through the outages the origin can only bridge, not hide: every
 * packager frozen for a few seconds, the one encoder restarting on a later boundary.
 */
export function serverControl (targetDurationS: number, partTargetS?: number): string {
  const base = `CAN-BLOCK-RELOAD=YES,HOLD-BACK=${(HOLD_BACK_TARGET_DURATIONS * targetDurationS).toFixed(1)}`
  // LL-HLS: three parts behind the live edge (the RFC's minimum is two), delta updates past six target durations
  if (partTargetS === undefined) return base
  return `${base},PART-HOLD-BACK=${(3 * partTargetS).toFixed(3)},CAN-SKIP-UNTIL=${canSkipUntil(targetDurationS).toFixed(1)}`
}

/** CAN-SKIP-UNTIL: the least RFC 8216bis 4.4.3.8 allows, six target durations, so a delta is as small as it may be. */
export function canSkipUntil (targetDurationS: number): number {
  return 6 * targetDurationS
}
