import { createHash } from 'node:crypto'

/**
 * Rendezvous (highest-random-weight) hashing of segment paths onto edges: each segment lives on
 * one edge, load spreads evenly, and when an edge leaves only the segments it held move.
 * Deterministic, so several origin replicas with the same edge set write the same URIs.
 */
export class EdgeRing {
  readonly edges: readonly string[]

  /** `edges` are base URLs without a trailing slash; order does not matter. */
  constructor (edges: readonly string[]) {
    this.edges = [...new Set(edges)].sort()
  }

  get size (): number { return this.edges.length }

  /** The edge for a path, or undefined when there is no edge (serve from the origin). */
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

  /** Same edges in any order. */
  equals (other: EdgeRing): boolean {
    return this.edges.length === other.edges.length && this.edges.every((e, i) => e === other.edges[i])
  }
}

function rendezvousWeight (edge: string, path: string): bigint {
  return createHash('sha1').update(edge).update('\u0000').update(path).digest().readBigUInt64BE(0)
}
