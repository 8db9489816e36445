/**
 * How far behind the live edge a low-latency player plays, in parts (PART-HOLD-BACK; RFC 8216bis
 * 4.4.3.8 asks at least two, Apple three). Four: hls.js sat 1.6 s behind with three once parts were
 * written at their end time, and stalled once under a loaded `make test`; a fourth part is half a
 * second more in reserve, about where three had left it before.
 */
export const PART_HOLD_BACK_PARTS = 4

/** CAN-SKIP-UNTIL: the least RFC 8216bis 4.4.3.8 allows, six target durations, so a delta is as small as it may be. */
export function canSkipUntil (targetDurationS: number): number {
  return 6 * targetDurationS
}

/** The LL-HLS attributes of EXT-X-SERVER-CONTROL, the same in the worker's and the origin's playlists. */
export function llServerControl (targetDurationS: number, partTargetS: number): string {
  return `PART-HOLD-BACK=${(PART_HOLD_BACK_PARTS * partTargetS).toFixed(3)},CAN-SKIP-UNTIL=${canSkipUntil(targetDurationS).toFixed(1)}`
}
