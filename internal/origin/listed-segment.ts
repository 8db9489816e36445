import type { SegmentFetch, SegmentFetcher, SegmentSource } from './segment-fetcher.js'

export interface ListedSegmentOptions {
  /** The candidates as the session ranks them now; asked again before every round (a packager may be back). */
  readonly sources: () => readonly SegmentSource[] | undefined
  /** Keep trying until then (epoch ms). */
  readonly deadline: number
  readonly pauseMs: number
  readonly now?: () => number
}

/**
 * A listed segment can be fetched (RFC 8216bis 6.2 and rule 5 in docs/design.md), even when every packager
 * that has it froze a moment after listing it: while no packager answers, the request is held and
 * the round tried again until `deadline`, rather than answered 502. Players forgive a slow segment
 * load far more readily than a failed one. A segment every packager answers 404 for is final.
 */
export async function fetchListedSegment (fetcher: SegmentFetcher, key: string, options: ListedSegmentOptions): Promise<SegmentFetch> {
  const now = options.now ?? Date.now
  for (;;) {
    const sources = options.sources() ?? []
    const result: SegmentFetch = sources.length === 0 ? { ok: false, attempts: [] } : await fetcher.fetch(key, sources)
    if (result.ok || result.attempts.every((a) => a.failure === 'http_404')) return result
    if (now() + options.pauseMs >= options.deadline) return result
    await new Promise((resolve) => setTimeout(resolve, options.pauseMs))
  }
}
