/**
 * The one backoff of the tree: a delay that grows by `factor` from `initialMs` per consecutive
 * failure and never exceeds `maxMs`. No caller adds jitter today (one ffmpeg per worker and one
 * reporter per discovery do not stampede), so the delays are exact.
 */
export interface BackoffPolicy {
  readonly initialMs: number
  readonly maxMs: number
  /** Growth per consecutive failure (default 2). */
  readonly factor?: number
  /** A run at least this long counts as healthy and starts the delays over. */
  readonly resetAfterMs?: number
}

/** The worker's ffmpeg restarts: 0.5 s doubling to 10 s; a run of 30 s starts over. */
export const RESTART_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 500, maxMs: 10_000, factor: 2, resetAfterMs: 30_000 })

/** Discovery's reports while the reporter fails: 0.5 s doubling to 10 s. */
export const REPORT_RETRY_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 500, maxMs: 10_000, factor: 2 })

/** Delay before retry number `failures` (1-based); 0 before any failure. */
export function backoffDelayMs (failures: number, policy: BackoffPolicy = REPORT_RETRY_BACKOFF): number {
  if (failures <= 0) return 0
  const factor = policy.factor ?? 2
  // a power past the float range is Infinity, which the cap turns into maxMs
  return Math.min(policy.maxMs, policy.initialMs * factor ** (failures - 1))
}

/**
 * The delay before the next restart, given the previous delay (undefined: none yet) and how long
 * the run that just ended lasted: a healthy run (at least `resetAfterMs`) starts over.
 */
export function nextBackoffMs (previousMs: number | undefined, runMs: number, policy: BackoffPolicy = RESTART_BACKOFF): number {
  const resetAfterMs = policy.resetAfterMs ?? Number.POSITIVE_INFINITY
  if (previousMs === undefined || runMs >= resetAfterMs) return policy.initialMs
  return Math.min(previousMs * (policy.factor ?? 2), policy.maxMs)
}
