/** A map whose entries vanish at their own deadline; time comes from the caller, so it is pure. */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V, expiresAt: number }>()

  constructor (readonly maxEntries: number) {}

  /** False when the key is new and the map is full: the caller refuses the write. */
  set (key: string, value: V, now: number, ttlMs: number): boolean {
    if (!this.#entries.has(key) && this.#entries.size >= this.maxEntries) {
      this.prune(now)
      if (this.#entries.size >= this.maxEntries) return false
    }
    this.#entries.set(key, { value, expiresAt: now + ttlMs })
    return true
  }

  /** Room for `keys` (some may already be present) without evicting anything live. */
  hasRoomFor (keys: readonly string[], now: number): boolean {
    this.prune(now)
    const fresh = new Set(keys.filter((key) => !this.#entries.has(key)))
    return this.#entries.size + fresh.size <= this.maxEntries
  }

  get (key: string, now: number): V | undefined {
    const entry = this.#entries.get(key)
    return entry !== undefined && entry.expiresAt > now ? entry.value : undefined
  }

  /** Milliseconds until `key` expires; 0 when it is absent or expired. */
  expiresInMs (key: string, now: number): number {
    const entry = this.#entries.get(key)
    return entry !== undefined && entry.expiresAt > now ? entry.expiresAt - now : 0
  }

  /** Live entries in insertion order. */
  * values (now: number): Generator<V> {
    for (const entry of this.#entries.values()) {
      if (entry.expiresAt > now) yield entry.value
    }
  }

  prune (now: number): void {
    for (const [key, entry] of this.#entries) {
      if (entry.expiresAt <= now) this.#entries.delete(key)
    }
  }

  get size (): number {
    return this.#entries.size
  }
}
