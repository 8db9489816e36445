/** Where a run starts on the epoch grid. */
export interface Boundary {
  /** Wall-clock time of the boundary, ms since the Unix epoch (a multiple of the segment duration). */
  readonly t0Ms: number
  /** Media sequence number of the first segment: t0 / segment duration. */
  readonly msn: number
}

/**
 * The first segment boundary strictly after `nowMs` (plus `minLeadMs`): boundaries are whole
 * multiples of the segment duration since the Unix epoch, so every worker lands on the same grid.
 */
export function nextBoundary (nowMs: number, segmentSeconds: number, minLeadMs = 0): Boundary {
  const segMs = segmentSeconds * 1000
  const msn = Math.floor((nowMs + minLeadMs) / segMs) + 1
  return { t0Ms: msn * segMs, msn }
}

/**
 * Where to seek the looped input so that the frame shown at wall time t is the input frame at
 * (t mod duration): snapped to the frame grid so two workers round to the same frame.
 */
export function loopOffsetSeconds (t0Ms: number, inputDurationSeconds: number, frameRate: number): number {
  const frames = Math.round(inputDurationSeconds * frameRate)
  if (frames <= 0) return 0
  const frameAtT0 = Math.round((t0Ms / 1000) * frameRate)
  return (frameAtT0 % frames) / frameRate
}

/** PROGRAM-DATE-TIME of a segment: its boundary, ISO 8601 with milliseconds and Z. */
export function programDateTime (msn: number, segmentSeconds: number): string {
  return new Date(msn * segmentSeconds * 1000).toISOString()
}
