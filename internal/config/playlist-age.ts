import { readDurationMs, type Env } from './env-readers.js'

/**
 * MAX_AGE_PLAYLIST, one rule for discovery (a signal whose newest playlist on disk is older is not
 * being ingested) and the origin (a packager whose newest segment ended longer ago is not live).
 * At least 1 s, the stricter of the two rules it replaces: a playlist is rewritten once per segment
 * (1 s at the shortest SEGMENT_DURATION), so a shorter age would call a live signal dead.
 */
export function readMaxPlaylistAgeMs (env: Env): number {
  return readDurationMs(env, 'MAX_AGE_PLAYLIST', 10_000, { minMs: 1000, maxMs: 3_600_000 })
}
