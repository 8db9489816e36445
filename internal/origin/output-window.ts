/** Pure facts about a signal's output window that players are told or offered by. */
import type { TimelineState } from '../hls/timeline-state.js'
import { llServerControl } from '../hls/ll-server-control.js'

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
  return partTargetS === undefined ? base : `${base},${llServerControl(targetDurationS, partTargetS)}`
}
