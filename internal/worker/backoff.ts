export interface BackoffPolicy {
  readonly initialMs: number
  readonly maxMs: number
  /** A run at least this long counts as healthy and resets the delay. */
  readonly resetAfterMs: number
}

export const DEFAULT_BACKOFF: BackoffPolicy = Object.freeze({ initialMs: 500, maxMs: 10_000, resetAfterMs: 30_000 })

/** The delay before the next restart, given the previous delay (undefined: none yet) and how long the run lasted. */
export function nextBackoffMs (previousMs: number | undefined, runMs: number, policy: BackoffPolicy = DEFAULT_BACKOFF): number {
  if (previousMs === undefined || runMs >= policy.resetAfterMs) return policy.initialMs
  return Math.min(previousMs * 2, policy.maxMs)
}
