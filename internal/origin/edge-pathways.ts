import { createHash } from 'node:crypto'
import type { MasterPlaylist } from '../hls/master-playlist.js'
import type { EdgeTarget } from './reporter-view.js'
import { STEERING_NAME, STEERING_TTL_S } from './content-steering.js'

/**
 * Players talk only to edges: the multivariant playlist offers the ladder once per live edge, each
 * copy an HLS Content Steering pathway, and the steering answer ranks the pathways per player. A
 * player belongs to one of STEERING_BUCKETS buckets (drawn when it loads the multivariant
 * playlist); a bucket's answer is the same for every player in it, so an edge caches it and the
 * origin answers edges × buckets, not viewers. Pure.
 */
export const STEERING_BUCKETS = 8

/** Any Content Steering pathway: an edge, or an origin replica offered after the edges. */
type Pathway = Pick<EdgePathway, 'id' | 'url'>

/** One edge offered to players: a Content Steering pathway. */
export interface EdgePathway {
  /** PATHWAY-ID: the edge's host and port ("localhost-8101"), the same on every origin replica. */
  readonly id: string
  readonly url: string
  /** Requests per second it served lately (the edges manager's figure), 0 when unknown. */
  readonly loadRps: number
}

/** PATHWAY-ID of an edge: its host and port in the characters RFC 8216bis allows. */
export function edgePathwayId (url: string): string {
  const { hostname, port, protocol } = new URL(url)
  const host = hostname.replace(/[^A-Za-z0-9.]/g, '_')
  return `${host}-${port === '' ? (protocol === 'https:' ? '443' : '80') : port}`
}

/**
 * The edges players may be sent to, sorted by URL: every live edge but the draining ones. Draining
 * moves players to the other edges; when every edge drains there is no other edge (a restarted
 * reporter lists none until their heartbeats arrive), so the draining ones that still serve stay
 * offered: their players keep their steering answers, and new players still do not load the origin.
 */
export function edgePathways (edges: readonly EdgeTarget[], loads: ReadonlyMap<string, number> = new Map()): EdgePathway[] {
  const open = edges.filter((e) => !e.draining)
  return (open.length > 0 ? open : edges)
    .map((e) => ({ id: edgePathwayId(e.url), url: e.url, loadRps: loads.get(e.url) ?? 0 }))
    .sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
}

/** Edge loads below this many requests per second count as equal when buckets are shared out. */
const LOAD_FLOOR_RPS = 100

/**
 * Which edge each bucket starts on: every edge gets buckets in proportion to its spare capacity
 * (a busier edge gets fewer), and at least one while there are no more edges than buckets, so
 * players are never all on one edge. Interleaved (smooth weighted round robin), deterministic.
 */
export function bucketOwners (pathways: readonly EdgePathway[], buckets = STEERING_BUCKETS): string[] {
  if (pathways.length === 0) return []
  const mean = pathways.reduce((sum, p) => sum + p.loadRps, 0) / pathways.length
  // loads in steps of half the mean, so a bucket moves (and its players with it) only on a real
  // difference; below LOAD_FLOOR_RPS no difference is real: an LL-HLS player alone asks an edge
  // about 5 times a second, and moving it for its own load moved it back and forth every few seconds
  const shares = apportion(pathways.map((p) => 1 / (1 + Math.round(2 * p.loadRps / (mean + LOAD_FLOOR_RPS)) / 2)), buckets, pathways.length <= buckets ? 1 : 0)
  const owners: string[] = []
  const credit = shares.map(() => 0)
  for (let b = 0; b < buckets; b++) {
    for (let i = 0; i < shares.length; i++) credit[i] = (credit[i] ?? 0) + (shares[i] ?? 0)
    const pick = indexOfMax(credit)
    credit[pick] = (credit[pick] ?? 0) - buckets
    owners.push(pathways[pick]?.id ?? '')
  }
  return owners
}

/** `total` whole shares in proportion to `weights` (largest remainders), each at least `minimum`. */
function apportion (weights: readonly number[], total: number, minimum: number): number[] {
  const sum = weights.reduce((a, b) => a + b, 0)
  const quota = weights.map((w) => (w / sum) * total)
  const shares = quota.map((q) => Math.max(minimum, Math.floor(q)))
  // what each share still falls short of its quota (an edge raised to the minimum falls short by less)
  const byRest = quota.map((q, i) => ({ i, rest: q - (shares[i] ?? 0) })).sort((a, b) => b.rest - a.rest || a.i - b.i)
  let left = total - shares.reduce((a, b) => a + b, 0)
  for (let k = 0; left > 0; k++, left--) {
    const i = byRest[k % byRest.length]?.i ?? 0
    shares[i] = (shares[i] ?? 0) + 1
  }
  // the minimum of one can give out more than there is: it comes off the largest shares
  for (; left < 0; left++) {
    const i = indexOfMax(shares)
    shares[i] = (shares[i] ?? 0) - 1
  }
  return shares
}

function indexOfMax (values: readonly number[]): number {
  let best = 0
  for (let i = 1; i < values.length; i++) if ((values[i] ?? 0) > (values[best] ?? 0)) best = i
  return best
}

/** The edges offered now and which bucket starts where; `key` changes when either does. */
export interface EdgePlan {
  readonly pathways: readonly EdgePathway[]
  readonly owners: readonly string[]
  readonly key: string
}

export const NO_EDGES: EdgePlan = Object.freeze({ pathways: [], owners: [], key: '' })

export function planEdges (edges: readonly EdgeTarget[], loads: ReadonlyMap<string, number> = new Map()): EdgePlan {
  const pathways = edgePathways(edges, loads)
  const owners = bucketOwners(pathways)
  return { pathways, owners, key: `${pathways.map((p) => p.url).join(',')}|${owners.join(',')}` }
}

/** A bucket's pathways, best first: the bucket's owner, then the others by a hash of (bucket, edge). */
export function rankForBucket (pathways: readonly EdgePathway[], bucket: number, owners: readonly string[] = bucketOwners(pathways)): EdgePathway[] {
  const owner = owners[bucket % Math.max(1, owners.length)]
  const rest = pathways.filter((p) => p.id !== owner)
    .map((p) => ({ p, h: createHash('sha1').update(`${bucket}\u0000${p.id}`).digest().readUInt32BE(0) }))
    .sort((a, b) => a.h - b.h || (a.p.id < b.p.id ? -1 : 1))
    .map((x) => x.p)
  const first = pathways.find((p) => p.id === owner)
  return first === undefined ? rest : [first, ...rest]
}

/** Where a bucket asks for steering: an edge other than the one it plays from, so that one dying leaves it an answer. */
export function steeringUri (signal: string, ranked: readonly EdgePathway[], bucket: number): string | undefined {
  const server = ranked[1] ?? ranked[0]
  return server === undefined ? undefined : `${server.url}/${signal}/${STEERING_NAME}?b=${bucket}`
}

/**
 * Pathways in the order a player should try them: the first stays first, then one per host in
 * turn. A player leaving a pathway takes the next one listed, so the next is on another host when
 * there is one: a host that drops packets silently costs one request timeout, not one per edge it
 * runs, also for players that do not skip a failed host's other pathways themselves.
 */
export function hostDiverse<T extends Pathway> (pathways: readonly T[]): T[] {
  const byHost = new Map<string, T[]>()
  for (const p of pathways) {
    const host = new URL(p.url).hostname
    byHost.set(host, [...byHost.get(host) ?? [], p])
  }
  const ordered: T[] = []
  for (let round = 0; ordered.length < pathways.length; round++) {
    for (const group of byHost.values()) {
      const next = group[round]
      if (next !== undefined) ordered.push(next)
    }
  }
  return ordered
}

/**
 * The multivariant playlist of one bucket: the ladder once per edge and then once per origin
 * replica in `fallbacks` (ORIGIN_PATHWAYS), the bucket's first edge first (a client without
 * steering plays the first variants), the rest host by host (hostDiverse), every URI absolute.
 */
export function edgeSteeredMaster (master: MasterPlaylist, signal: string, ranked: readonly EdgePathway[], bucket: number, fallbacks: readonly Pathway[] = []): MasterPlaylist {
  const first = ranked[0]
  const serverUri = steeringUri(signal, ranked, bucket)
  if (first === undefined || serverUri === undefined) return master
  return {
    ...master,
    contentSteering: { serverUri, pathwayId: first.id },
    variants: hostDiverse([...ranked, ...fallbacks]).flatMap((p) => master.variants.map((v) => ({ ...v, uri: `${p.url}/${signal}/${v.uri}`, pathwayId: p.id })))
  }
}

export interface SteeringAnswer {
  readonly VERSION: 1
  readonly TTL: number
  readonly 'RELOAD-URI'?: string
  readonly 'PATHWAY-PRIORITY': string[]
}

/**
 * A bucket's steering answer: its live edges best first, then the origin replicas (`fallbacks`),
 * host by host as in the master; a dead, hung or draining edge is not listed, so players leave
 * it. RELOAD-URI moves the next poll off an edge that stopped being the bucket's steering server.
 */
export function edgeSteeringAnswer (signal: string, plan: EdgePlan, bucket: number, fallbacks: readonly Pathway[] = []): SteeringAnswer {
  const ranked = rankForBucket(plan.pathways, bucket, plan.owners)
  const reload = steeringUri(signal, ranked, bucket)
  return { VERSION: 1, TTL: STEERING_TTL_S, ...(reload === undefined ? {} : { 'RELOAD-URI': reload }), 'PATHWAY-PRIORITY': hostDiverse([...ranked, ...fallbacks]).map((p) => p.id) }
}
