/**
 * Shares one in-flight promise among concurrent callers with the same key, so upstream cost is per
 * rendition or segment, not per viewer. The key is forgotten as soon as the work settles.
 */
export class SingleFlight<K, V> {
  private readonly inflight = new Map<K, Promise<V>>()

  async run (key: K, work: () => Promise<V>): Promise<V> {
    const existing = this.inflight.get(key)
    if (existing !== undefined) return await existing
    const promise = work().finally(() => this.inflight.delete(key))
    this.inflight.set(key, promise)
    return await promise
  }

  get size (): number { return this.inflight.size }
}
