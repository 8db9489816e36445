import type { EdgeRing } from './edge-ring.js'

/** `null` is the origin itself: a segment first listed without edges stays on the origin. */
type Holder = string | null

/**
 * Keeps a listed segment on the host it was first listed on for as long as that host serves.
 * Players compare the URI of every MSN across reloads (hls.js 1.7 drops a level whose playlist
 * changes an old segment's URI, "media sequence mismatch"), so an edge joining or draining must
 * not move segments already listed: only new segments follow the current ring. A segment moves
 * only when its edge is gone, where the old URI could not be fetched anyway.
 */
export class StickyEdgeAssigner {
  #held = new Map<string, Holder>()

  /**
   * One rendering of every playlist: `edgeFor` answers each listed path, and `finish` forgets the
   * paths that were not asked for (they left every playlist).
   */
  pass (ring: EdgeRing): { edgeFor: (path: string) => string | undefined, finish: () => void } {
    const previous = this.#held
    const next = new Map<string, Holder>()
    const edgeFor = (path: string): string | undefined => {
      const known = next.has(path) ? next.get(path) : previous.get(path)
      const holder: Holder = known !== undefined && (known === null || ring.isAlive(known)) ? known : ring.pick(path) ?? null
      next.set(path, holder)
      return holder ?? undefined
    }
    return { edgeFor, finish: () => { this.#held = next } }
  }

  /** Segments currently held, for tests and the status page. */
  get size (): number { return this.#held.size }
}
