/**
 * A held request (a blocking reload, a hinted part, a segment no packager answers) waits at least
 * this long. With 1 s segments (LL mode) 3 target durations were not enough: with every packager
 * frozen 3 s on a loaded machine, Shaka Player got a 404 for a hinted part and a 503 for a
 * blocking reload, each given up after 3 s just before the answer came.
 */
export const MIN_HOLD_MS = 6000

/**
 * How long a player's request is held for what is not there yet (a blocking reload, a hinted part
 * until it is listed, a segment until a packager gives it): 3 target durations (RFC 8216bis
 * 6.2.5.2), and at least MIN_HOLD_MS. An error costs a player a retry.
 */
export function requestHoldMs (targetDurationMs: number): number {
  return Math.max(3 * targetDurationMs, MIN_HOLD_MS)
}
