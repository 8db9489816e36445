import { LRUCache } from 'lru-cache'
import { SingleFlight } from './single-flight.js'
import type { UpstreamClient, UpstreamFailure } from './upstream-client.js'

export interface SegmentSource { readonly base: string, readonly path: string }

export type SegmentFetch =
  | { readonly ok: true, readonly body: Buffer, readonly contentType: string | undefined, readonly from: 'cache' | string }
  | { readonly ok: false, readonly attempts: ReadonlyArray<{ base: string, failure: UpstreamFailure }> }

export interface SegmentFetcherEvents {
  onAttemptFailed?: (base: string, failure: UpstreamFailure) => void
  onServed?: (from: 'cache' | 'packager') => void
}

/**
 * Serves a segment from memory, or fetches it once from the first source that has it: a refused,
 * reset, timed-out, 5xx or 404 answer moves on to the next source inside the same request, and
 * concurrent requests for one segment share a single upstream fetch.
 */
export class SegmentFetcher {
  private readonly cache: LRUCache<string, { body: Buffer, contentType: string | undefined }>
  private readonly flights = new SingleFlight<string, SegmentFetch>()

  constructor (
    private readonly client: UpstreamClient,
    maxBytes: number,
    private readonly events: SegmentFetcherEvents = {}
  ) {
    this.cache = new LRUCache({ maxSize: maxBytes, sizeCalculation: (v) => Math.max(1, v.body.length) })
  }

  /** `key` names the segment as players see it; sources are tried in order. */
  async fetch (key: string, sources: readonly SegmentSource[]): Promise<SegmentFetch> {
    const hit = this.cache.get(key)
    if (hit !== undefined) {
      this.events.onServed?.('cache')
      return { ok: true, body: hit.body, contentType: hit.contentType, from: 'cache' }
    }
    return await this.flights.run(key, async () => {
      const attempts: Array<{ base: string, failure: UpstreamFailure }> = []
      for (const source of sources) {
        const result = await this.client.get(`${source.base}/${source.path}`)
        if (result.ok) {
          this.cache.set(key, { body: result.body, contentType: result.contentType })
          this.events.onServed?.('packager')
          return { ok: true, body: result.body, contentType: result.contentType, from: source.base }
        }
        attempts.push({ base: source.base, failure: result.failure })
        this.events.onAttemptFailed?.(source.base, result.failure)
      }
      return { ok: false, attempts }
    })
  }

  get cachedBytes (): number { return this.cache.calculatedSize }
}
