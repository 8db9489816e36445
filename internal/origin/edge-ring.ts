import { createHash } from 'node:crypto'

/**
 * Rendezvous (highest-random-weight) hashing of segment paths onto edges: each segment lives on
 * one edge, load spreads evenly, and when an edge leaves only the segments it held move.
 * Deterministic, so several origin replicas with the same edge set pick the same edges.
 * Draining edges are alive (their segments stay on them) but are never picked for new ones.
 */
export class EdgeRing {
  /** Edges new segments are spread over, sorted. */
  readonly edges: readonly string[]
  /** Edges on their way out, sorted: they keep what they hold and take nothing new. */
  readonly draining: readonly string[]
  readonly #alive: ReadonlySet<string>

  /** Base URLs without a trailing slash; order does not matter, an edge in both lists drains. */
  constructor (edges: readonly string[], draining: readonly string[] = []) {
    this.draining = [...new Set(draining)].sort()
    this.edges = [...new Set(edges)].filter((e) => !this.draining.includes(e)).sort()
    this.#alive = new Set([...this.edges, ...this.draining])
  }

  get size (): number { return this.edges.length }

  /** True while the edge still serves: picked for new segments or draining. */
  isAlive (edge: string): boolean { return this.#alive.has(edge) }

  /** The edge for a new path, or undefined when there is no edge (serve from the origin). */
  pick (path: string): string | undefined {
    let best: string | undefined
    let bestWeight = -1n
    for (const edge of this.edges) {
      const weight = rendezvousWeight(edge, path)
      if (weight > bestWeight || (weight === bestWeight && best !== undefined && edge < best)) {
        best = edge
        bestWeight = weight
      }
    }
    return best
  }

  /** Same edges and same draining ones, in any order. */
  equals (other: EdgeRing): boolean {
    return sameList(this.edges, other.edges) && sameList(this.draining, other.draining)
  }
}

function sameList (a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((e, i) => e === b[i])
}

function rendezvousWeight (edge: string, path: string): bigint {
  return createHash('sha1').update(edge).update('\u0000').update(path).digest().readBigUInt64BE(0)
}
