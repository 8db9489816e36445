// Which edges the origin spreads segment URIs over, given what the reporter last said, what the
// origin's own probes of those edges answered, and the time. Pure: the ReporterView carries it out.
//
// Players compare every listed segment's URI across reloads (hls.js drops a level whose playlist
// moves an old segment), so an edge must not leave the set while it still serves:
// - reporter readable: its answer rules; an edge it stops listing stays on as draining (its players
//   move to the listed edges, or stay when there is none) while it answers our probe, at most
//   unlistedGraceMs (a restarted reporter lists no edge until their heartbeats arrive);
// - reporter away or unreadable: the last set it gave stays; the origin probes those edges (never
//   any other host) and drops one only after `failuresToDrop` failed probes in a row, taking it
//   back when it answers again;
// - probing off: the last set is trusted maxStaleMs after the reporter's last answer, then dropped.
import type { EdgeTarget } from './reporter-view.js'

export interface EdgeViewOptions {
  /** Probe known edges when the reporter cannot vouch for them. */
  readonly probe: boolean
  /** Failed probes in a row that drop an edge while the reporter is away (at least 1). */
  readonly failuresToDrop: number
  /** EDGE_VIEW_MAX_STALE: an edge with no good word (the reporter listing it, or its health answering our probe) for this long is dropped. */
  readonly maxStaleMs: number
  /** EDGE_UNLISTED_GRACE: the longest an edge the reporter stopped listing stays, draining, while it answers (0: not at all). */
  readonly unlistedGraceMs: number
}

/** One edge the reporter listed at some point. */
export interface KnownEdge {
  readonly url: string
  /** As the reporter last said. */
  readonly draining: boolean
  /** Last time the reporter listed it or a probe of it answered. */
  readonly lastGoodAt: number
  /** Failed probes in a row since then. */
  readonly failures: number
  /** When a readable reporter answer first left it out; undefined while the reporter lists it. */
  readonly unlistedAt: number | undefined
}

export interface EdgeViewState {
  /** True while the reporter's last edge poll could be read. */
  readonly reporterFresh: boolean
  /** Every edge still in play, by URL: the only hosts ever probed. */
  readonly known: ReadonlyMap<string, KnownEdge>
}

export const INITIAL_EDGE_VIEW: EdgeViewState = Object.freeze({ reporterFresh: false, known: new Map<string, KnownEdge>() })

/** A readable reporter answer: the edges it lists are vouched for now; the rest become unlisted. */
export function applyReporterEdges (state: EdgeViewState, edges: readonly EdgeTarget[], now: number): EdgeViewState {
  const known = new Map<string, KnownEdge>()
  for (const edge of edges) known.set(edge.url, { url: edge.url, draining: edge.draining, lastGoodAt: now, failures: 0, unlistedAt: undefined })
  for (const [url, edge] of state.known) {
    if (!known.has(url)) known.set(url, { ...edge, unlistedAt: edge.unlistedAt ?? now })
  }
  return { reporterFresh: true, known }
}

/** The reporter (or its edge answer) could not be read this poll: nothing is forgotten. */
export function markReporterAway (state: EdgeViewState): EdgeViewState {
  return state.reporterFresh ? { ...state, reporterFresh: false } : state
}

/** The edges to probe now: those the reporter does not vouch for. Only known edges, never others. */
export function edgesToProbe (state: EdgeViewState, options: EdgeViewOptions): string[] {
  if (!options.probe) return []
  return [...state.known.values()].filter((e) => !state.reporterFresh || e.unlistedAt !== undefined).map((e) => e.url).sort()
}

/** Probe answers (true = its health location answered 200); answers for unknown hosts are ignored. */
export function applyProbeResults (state: EdgeViewState, results: ReadonlyMap<string, boolean>, now: number): EdgeViewState {
  let known: Map<string, KnownEdge> | undefined
  for (const [url, ok] of results) {
    const edge = state.known.get(url)
    if (edge === undefined) continue
    known ??= new Map(state.known)
    known.set(url, ok ? { ...edge, lastGoodAt: Math.max(edge.lastGoodAt, now), failures: 0 } : { ...edge, failures: edge.failures + 1 })
  }
  return known === undefined ? state : { ...state, known }
}

/**
 * The edges to spread segments over now, sorted by URL, and the state with the edges that no longer
 * count forgotten (an unlisted edge once dropped; a listed one is kept while the reporter is away, so
 * it can come back when it answers again).
 */
export function decideEdges (state: EdgeViewState, now: number, options: EdgeViewOptions): { state: EdgeViewState, edges: EdgeTarget[] } {
  const edges: EdgeTarget[] = []
  let forgotten = false
  const known = new Map<string, KnownEdge>()
  for (const edge of state.known.values()) {
    const stale = now - edge.lastGoodAt > options.maxStaleMs
    if (edge.unlistedAt !== undefined) {
      // the reporter no longer vouches: only our own probes keep it, draining, for a while
      if (options.probe && edge.failures === 0 && !stale && now - edge.unlistedAt < options.unlistedGraceMs) {
        edges.push({ url: edge.url, draining: true })
        known.set(edge.url, edge)
      } else {
        forgotten = true
      }
      continue
    }
    known.set(edge.url, edge)
    const serves = state.reporterFresh || (!stale && (!options.probe || edge.failures < options.failuresToDrop))
    if (serves) edges.push({ url: edge.url, draining: edge.draining })
  }
  edges.sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
  return { state: forgotten ? { ...state, known } : state, edges }
}
