import { formatProgramDateTime } from '../hls/playlist-serializer.js'

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
 * Where in the loop a run that starts at `msn` begins: (msn mod segmentsPerLoop) x SEG. Whole
 * segments on integers, so the picture at an MSN is the same for every worker at any time; a
 * float loop length taken mod t0 (~1.8e9 s) would move by seconds on a 1e-9 error.
 */
export function loopOffsetSeconds (msn: number, segmentsPerLoop: number, segmentSeconds: number): number {
  if (!Number.isSafeInteger(msn) || !Number.isInteger(segmentsPerLoop) || segmentsPerLoop < 1) {
    throw new RangeError(`loopOffsetSeconds: msn ${msn} and segmentsPerLoop ${segmentsPerLoop} must be whole numbers, segmentsPerLoop >= 1`)
  }
  return (((msn % segmentsPerLoop) + segmentsPerLoop) % segmentsPerLoop) * segmentSeconds
}

/**
 * Samples of audio a run starting at t0 puts before t0 so that its AAC frames (1024 samples)
 * start on multiples of 1024 samples since the epoch: then every worker cuts the same audio
 * frames with the same timestamps, whenever it started. A 2 s segment is 93.75 frames at 48 kHz.
 */
export function audioLeadSamples (t0Ms: number, sampleRate: number, frameSize = 1024): number {
  const t0Samples = (t0Ms * sampleRate) / 1000
  if (!Number.isSafeInteger(t0Samples)) throw new RangeError(`audioLeadSamples: t0 ${t0Ms} ms is not a whole number of samples at ${sampleRate} Hz`)
  return t0Samples % frameSize
}

/** Where segment `msn` starts on the epoch grid, ms since the Unix epoch: its PROGRAM-DATE-TIME. */
export function boundaryMs (msn: number, segmentSeconds: number): number {
  return msn * segmentSeconds * 1000
}

/** PROGRAM-DATE-TIME of a segment: its boundary, ISO 8601 with milliseconds and Z (as hls/ writes it). */
export function programDateTime (msn: number, segmentSeconds: number): string {
  return formatProgramDateTime(boundaryMs(msn, segmentSeconds))
}
