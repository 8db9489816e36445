/**
 * Pure: what the operator status page shows, built from the origin's sessions, the reporter's edge
 * list and the failover log at a given time. No clock or I/O here: `now` is a parameter.
 */
import { edgePathwayId } from './edge-pathways.js'
import type { SignalStatus, SourceStatus } from './signal-status.js'
import type { EdgeDetail } from './reporter-view.js'
import type { FailoverEvent } from './failover-log.js'
import type { FleetWorker } from '../reporter/worker-list.js'
import type { PushStatus } from '../reporter/publish-list.js'

export type SignalState = 'ok' | 'degraded' | 'down' | 'starting'

/** Short, fixed words for why a packager is not used: what an operator scans for at 3 a.m. */
export type ReasonKind = 'refused' | 'timeout' | 'reset' | 'not-found' | 'http-error' | 'malformed' | 'too-large' | 'stale' | 'no-answer' | 'held' | 'not-polled' | 'error'

export interface PackagerView {
  readonly url: string
  readonly state: SourceStatus['state']
  readonly reasonKind: ReasonKind | null
  /** The health verdict's own words (may carry the upstream error text). */
  readonly reason: string | null
  readonly newestMsn: number | null
  /** Segments it is behind the output's newest; negative when ahead. */
  readonly behind: number | null
  readonly lastOkAgoS: number | null
  /** Fleet workers encoding this signal for this packager (ids); empty outside a fleet. */
  readonly workers: readonly string[]
}

export interface SignalView {
  readonly name: string
  readonly state: SignalState
  /** One line saying why the state is what it is. */
  readonly summary: string
  readonly renditions: readonly string[]
  readonly newestMsn: number | null
  readonly playlistAgeS: number | null
  readonly targetDurationS: number | null
  readonly entryPlaylist: string
  readonly packagers: readonly PackagerView[]
  /** Fleet workers the signal is assigned to, sorted by id; empty outside a fleet. */
  readonly workers: ReadonlyArray<{ readonly id: string, readonly host: string, readonly packager: string }>
  /** Push streams only: `away` while no publish is on (the workers show the slate). */
  readonly publisher?: { readonly state: 'publishing' | 'away', readonly publishes: PushStatus['publishes'] }
}

export interface EdgeView {
  readonly id: string
  readonly url: string
  readonly loadRps: number
  /** Offered to players as a Content Steering pathway now (false while draining, unless every edge drains, or while the reporter's view is too old to trust). */
  readonly inUse: boolean
  /** Its PATHWAY-ID in the multivariant playlists and steering answers. */
  readonly pathway: string
  /** Leaving: players move to the edges that are not (none: they stay). */
  readonly draining: boolean
  readonly lastReported: string | null
}

export interface StatusSnapshot {
  /** Epoch ms. */
  readonly generatedAt: number
  readonly reporterReachable: boolean
  readonly signals: readonly SignalView[]
  readonly edges: readonly EdgeView[]
  /** Newest first. */
  readonly failovers: readonly FailoverEvent[]
}

export interface StatusInputs {
  readonly now: number
  readonly signals: readonly SignalStatus[]
  readonly edges: readonly EdgeDetail[]
  /** The edges offered to players as pathways. */
  readonly edgesInUse: readonly string[]
  readonly reporterReachable: boolean
  readonly failovers: readonly FailoverEvent[]
  /** The fleet's workers as the reporter lists them; none outside a fleet. */
  readonly workers?: readonly FleetWorker[]
  readonly pushes?: readonly PushStatus[]
}

/**
 * The reporter's edges, then the ones players are still offered that it no longer lists (a
 * restarted reporter lists none until their heartbeats arrive): draining, with no id or load.
 */
function edgeViews (listed: readonly EdgeDetail[], inUse: ReadonlySet<string>): EdgeView[] {
  const unlisted = [...inUse].filter((url) => !listed.some((e) => e.url === url)).sort(compare)
  return [
    ...listed.map((e) => ({ id: e.id, url: e.url, loadRps: round(e.loadRps, 1), inUse: inUse.has(e.url), pathway: edgePathwayId(e.url), draining: e.draining, lastReported: e.lastReported ?? null })),
    ...unlisted.map((url) => ({ id: '', url, loadRps: 0, inUse: true, pathway: edgePathwayId(url), draining: true, lastReported: null }))
  ]
}

/** Output older than this many target durations means viewers are stalling. */
const DOWN_AFTER_TARGET_DURATIONS = 3

export function buildStatus (inputs: StatusInputs): StatusSnapshot {
  const inUse = new Set(inputs.edgesInUse)
  return {
    generatedAt: inputs.now,
    reporterReachable: inputs.reporterReachable,
    signals: [...inputs.signals].sort((a, b) => compare(a.signal, b.signal)).map((s) => signalView(s, inputs.now, inputs.workers ?? [], inputs.pushes ?? [])),
    edges: edgeViews(inputs.edges, inUse),
    failovers: inputs.failovers
  }
}

function signalView (s: SignalStatus, now: number, fleet: readonly FleetWorker[], pushes: readonly PushStatus[]): SignalView {
  const workers = fleet.filter((w) => w.streams.includes(s.signal)).sort((a, b) => compare(a.id, b.id))
  const newestMsn = s.lastMsn ?? null
  const ageS = s.lastAppendAt === undefined ? null : round(Math.max(0, now - s.lastAppendAt) / 1000, 1)
  const td = s.targetDurationS ?? null
  const packagers = s.sources.map((p): PackagerView => ({
    url: p.url,
    state: p.state,
    reasonKind: p.reason === undefined ? (p.state === 'down' ? 'not-polled' : null) : reasonKind(p.reason),
    reason: p.reason ?? (p.state === 'down' ? 'not polled yet' : null),
    newestMsn: p.newestMsn ?? null,
    behind: p.newestMsn === undefined || newestMsn === null ? null : newestMsn - p.newestMsn,
    lastOkAgoS: p.lastOkAt === undefined ? null : round(Math.max(0, now - p.lastOkAt) / 1000, 1),
    workers: workers.filter((w) => w.packager === p.url.replace(/\/+$/, '')).map((w) => w.id)
  }))
  const starting = s.window !== undefined && s.window.seconds < s.window.needed - 1e-9
    ? { state: 'starting' as const, summary: `the window holds ${s.window.seconds.toFixed(1)} s of the ${s.window.needed.toFixed(1)} s (3 target durations) players are offered; playlists answer 503 with Retry-After until then` }
    : undefined
  const { state, summary } = starting ?? judge(newestMsn, ageS, td, packagers)
  const push = pushes.find((p) => p.stream === s.signal)
  const publisher = push === undefined ? {} : { publisher: { state: push.publishes.length > 0 ? 'publishing' as const : 'away' as const, publishes: push.publishes } }
  return { name: s.signal, state, summary, renditions: s.renditions, newestMsn, playlistAgeS: ageS, targetDurationS: td, entryPlaylist: `/${s.signal}/playlist.m3u8`, packagers, workers: workers.map(({ id, host, packager }) => ({ id, host, packager })), ...publisher }
}

function judge (newestMsn: number | null, ageS: number | null, td: number | null, packagers: readonly PackagerView[]): { state: SignalState, summary: string } {
  const up = packagers.filter((p) => p.state !== 'down').length
  const total = packagers.length
  if (newestMsn === null) return { state: up === 0 ? 'down' : 'starting', summary: up === 0 ? 'no packager answers for this signal' : 'waiting for the first output' }
  if (ageS !== null && td !== null && ageS > DOWN_AFTER_TARGET_DURATIONS * td) return { state: 'down', summary: `output has not advanced for ${ageS.toFixed(0)} s` }
  if (!packagers.some((p) => p.state === 'active')) return { state: 'down', summary: 'no packager may provide new segments' }
  const unusable = packagers.filter((p) => p.state === 'down' || p.reasonKind !== null)
  if (unusable.length > 0) {
    const names = unusable.map((p) => `${hostOf(p.url)} ${p.state === 'down' ? 'down' : 'held'}`).join(', ')
    return { state: 'degraded', summary: `${up} of ${total} packagers up (${names}): no redundancy` }
  }
  return { state: 'ok', summary: `${total} of ${total} packagers up` }
}

/** Maps a health reason (source-health's words, or the upstream client's error text) to a fixed kind. */
export function reasonKind (reason: string): ReasonKind {
  const r = reason.toLowerCase()
  if (r.startsWith('stale')) return 'stale'
  if (r.startsWith('held')) return 'held'
  if (r.startsWith('malformed')) return 'malformed'
  if (r === 'no answer' || r === 'never answered') return 'no-answer'
  if (r.includes('econnrefused')) return 'refused'
  if (r.includes('timeout') || r.includes('timed out') || r.includes('aborted')) return 'timeout'
  if (r.includes('econnreset') || r.includes('socket') || r.includes('epipe') || r.includes('other side closed')) return 'reset'
  if (r === 'http 404') return 'not-found'
  if (/^http \d{3}$/.test(r)) return 'http-error'
  if (r.includes('exceeds')) return 'too-large'
  return 'error'
}

/**
 * What changes the page: the snapshot without the ages that tick every second, so pushes go out
 * on a real change at once and otherwise at the keep-alive pace.
 */
export function statusChangeKey (s: StatusSnapshot): string {
  return JSON.stringify({
    r: s.reporterReachable,
    s: s.signals.map((x) => [x.name, x.state, x.summary, x.newestMsn, x.renditions, x.packagers.map((p) => [p.url, p.state, p.reasonKind, p.reason, p.newestMsn, p.workers]), x.workers, x.publisher]),
    e: s.edges.map((e) => [e.id, e.url, e.inUse, e.draining, e.loadRps]),
    f: s.failovers.length === 0 ? null : [s.failovers.length, s.failovers[0]?.at]
  })
}

function hostOf (url: string): string {
  try { return new URL(url).host } catch { return url }
}

function round (value: number, digits: number): number {
  const f = 10 ** digits
  return Math.round(value * f) / f
}

function compare (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}
