import type { Logger } from '../log/logger.js'
import { lastMsn, type MediaPlaylist } from '../hls/media-playlist.js'
import type { ParseLimits } from '../hls/playlist-parser.js'
import { serializeMasterPlaylist } from '../hls/playlist-serializer.js'
import { advanceTimeline, findOutputSegment, lastOutputMsn, renderTimeline } from '../hls/signal-timeline.js'
import { EMPTY_TIMELINE, type SourceInput, type TimelineOptions, type TimelineState } from '../hls/timeline-state.js'
import { EMPTY_HEALTH, updateSourceHealth, type HealthObservation, type SourceHealthOptions, type SourceVerdict } from '../hls/source-health.js'
import { EdgeRing } from './edge-ring.js'
import { StickyEdgeAssigner } from './sticky-edge-assigner.js'
import { steeredMaster } from './content-steering.js'
import type { OriginPathway } from './origin-pathways.js'
import { MsnWaiters } from './msn-waiters.js'
import type { OriginMetrics } from './origin-metrics.js'
import { RenditionPoller, type PollResult } from './rendition-poller.js'
import type { SegmentSource } from './segment-fetcher.js'
import type { UpstreamClient } from './upstream-client.js'
import type { FailoverLog } from './failover-log.js'
import { learnLayout, SIGNAL_LEVEL, type Rendition, type SignalLayout } from './signal-layout.js'

export { SIGNAL_LEVEL } from './signal-layout.js'

const HOLD_BACK_TARGET_DURATIONS = 4

export interface SignalSessionOptions {
  readonly signal: string
  /** Allow-listed packager base URLs: the only hosts this session ever fetches from. */
  readonly sources: readonly string[]
  readonly timeline: TimelineOptions
  readonly health: SourceHealthOptions
  /** Hold after recovery in ms; overrides health.holdTargetDurations once the target duration is known. */
  readonly recoveryHoldMs?: number
  readonly parseLimits: ParseLimits
  readonly tickMs: number
  /** A playlist whose newest segment ended longer ago than this is not live, whatever else it says. */
  readonly maxPlaylistAgeMs?: number
  /** Tests only (ORIGIN_TEST_ONLY_NO_FAILOVER): follow and fetch from the first source alone. */
  readonly testOnlyNoFailover?: boolean
  /** Origin replicas (ORIGIN_PATHWAYS): the ladder is offered once per replica as a Content Steering pathway. */
  readonly pathways?: readonly OriginPathway[]
}

export type MediaAnswer =
  | { readonly kind: 'playlist', readonly body: Buffer }
  | { readonly kind: 'not-ready' }
  | { readonly kind: 'unknown-rendition' }
  | { readonly kind: 'bad-msn', readonly message: string }
  | { readonly kind: 'blocking-timeout' }

/** What the status page and logs need to know about one packager for this signal. */
export interface SourceStatus {
  readonly url: string
  readonly state: 'active' | 'standby' | 'down'
  readonly reason?: string
  readonly newestMsn?: number
  /** Epoch ms of its last good poll. */
  readonly lastOkAt?: number
}

/** SignalSession.status(): what the status page shows for one signal. */
export interface SignalStatus {
  readonly signal: string
  readonly renditions: string[]
  readonly lastMsn: number | undefined
  readonly sources: SourceStatus[]
  /** Epoch ms when the newest output segment was appended. */
  readonly lastAppendAt?: number
  readonly targetDurationS?: number
  /** Seconds of media in the output window, and the 3 target durations it must hold before players are offered it. */
  readonly window?: { readonly seconds: number, readonly needed: number }
}

/**
 * One live signal at the origin: follows every allow-listed packager's playlists for it, judges
 * their health, advances the output timeline, and keeps each output playlist rendered once per
 * change so that players are answered from memory.
 */
export class SignalSession {
  private renditions: readonly Rendition[] | undefined
  private layout: { readonly learnedFrom: string, readonly at: number } | undefined
  private learning = false
  private masterBody: Buffer | undefined
  private readonly pollers = new Map<string, Map<string, RenditionPoller>>()
  private observations: HealthObservation[] = []
  private health = EMPTY_HEALTH
  private verdicts: Readonly<Record<string, SourceVerdict>> = {}
  private timeline: TimelineState = EMPTY_TIMELINE
  // bytes, not strings: encoded once per change, written as they are to every player
  private bodies = new Map<string, Buffer>()
  private readonly waiters = new MsnWaiters()
  private readyWaiters: Array<() => void> = []
  private reporterAllowed: readonly string[] | undefined
  private activeSource: string | undefined
  private edges = new EdgeRing([])
  private readonly edgeAssigner = new StickyEdgeAssigner()
  private readonly advancing = new Set<string>()
  private readonly firstNewestMsn = new Map<string, number>()
  private masterTimer: NodeJS.Timeout | undefined
  private tickTimer: NodeJS.Timeout | undefined
  private tickQueued = false
  private closed = false
  lastRequestAt = Date.now()

  constructor (
    private readonly options: SignalSessionOptions,
    private readonly client: UpstreamClient,
    private readonly metrics: OriginMetrics,
    private readonly log: Logger,
    private readonly failoverLog?: FailoverLog
  ) {}

  get signal (): string { return this.options.signal }
  get ready (): boolean { return this.bodies.size > 0 }
  /**
   * Players are offered the signal once its window holds the 3 target durations a live playlist
   * keeps (RFC 8216bis 6.2.2): a player that joined a stream's first seconds at a one-segment live
   * edge would have nothing in reserve.
   */
  get playable (): boolean { return this.ready && this.windowSeconds() >= this.neededWindowSeconds() - 1e-9 }

  /** Seconds of media in the output window (the reference rendition), 0 before the first output. */
  windowSeconds (): number {
    const reference = this.timeline.renditions[0]
    let total = 0
    for (const entry of this.timeline.entries) total += entry.renditions[reference ?? '']?.duration ?? 0
    return total
  }

  neededWindowSeconds (): number { return 3 * this.targetDurationMs / 1000 }
  get targetDurationMs (): number { return (this.timeline.targetDuration ?? this.options.health.defaultTargetDurationMs / 1000) * 1000 }

  start (): void {
    void this.discoverMaster()
    this.tickTimer = setInterval(() => this.tick(), this.options.tickMs)
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.tickTimer)
    clearTimeout(this.masterTimer)
    this.waiters.releaseAll()
    for (const resolve of this.readyWaiters) resolve()
    this.readyWaiters = []
    // a signal no longer followed must not keep reporting its last age and packager as if live
    this.metrics.playlistAge.remove({ signal: this.signal })
    this.metrics.lastMsn.remove({ signal: this.signal })
    for (const packager of this.options.sources) {
      this.metrics.activePackager.remove({ signal: this.signal, packager })
      this.metrics.eligiblePackager.remove({ signal: this.signal, packager })
    }
    await Promise.all([...this.pollers.values()].flatMap((byRendition) => [...byRendition.values()].map(async (p) => await p.close())))
  }

  /**
   * The reporter's healthy packagers for this signal while it is reachable, or undefined to rely on
   * the origin's own probes alone.
   */
  setReporterView (packagers: readonly string[] | undefined): void {
    this.reporterAllowed = packagers
  }

  /**
   * New segment URIs are rewritten onto these edges (rendezvous hashing of the path); with none
   * they stay relative, on the origin. Listed segments keep their host while it lives (see
   * StickyEdgeAssigner). A new edge set re-renders the playlists once.
   */
  setEdges (ring: EdgeRing): void {
    if (ring.equals(this.edges)) return
    this.edges = ring
    if (this.ready) this.render()
  }

  /** Resolves once the first output exists (`playable`: once its window is long enough), or after `timeoutMs`. */
  async whenReady (timeoutMs: number, until: 'ready' | 'playable' = 'ready'): Promise<boolean> {
    const done = (): boolean => until === 'ready' ? this.ready : this.playable
    const deadline = Date.now() + timeoutMs
    while (!done() && !this.closed) {
      const left = deadline - Date.now()
      if (left <= 0) break
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.readyWaiters.push(() => { clearTimeout(timer); resolve() })
      })
    }
    return done()
  }

  /** The entry playlist: the master of a ladder, or the media playlist of a one-rendition signal. */
  entryPlaylist (): Buffer | undefined {
    return this.masterBody ?? this.bodies.get(SIGNAL_LEVEL)
  }

  hasRendition (key: string): boolean {
    return this.renditions?.some((r) => r.key === key) === true
  }

  /** A media playlist, holding the request when `_HLS_msn` asks for a segment not listed yet (RFC 8216bis 6.2.5.2). */
  async mediaPlaylist (key: string, blockForMsn: number | undefined): Promise<MediaAnswer> {
    if (this.renditions !== undefined && !this.hasRendition(key)) return { kind: 'unknown-rendition' }
    if (blockForMsn !== undefined) {
      const last = lastOutputMsn(this.timeline)
      if (last !== undefined && blockForMsn > last + 2) {
        return { kind: 'bad-msn', message: `_HLS_msn=${blockForMsn} is more than two segments beyond the last one (${last})` }
      }
      if (last === undefined || blockForMsn > last) {
        const listed = await this.waiters.wait(blockForMsn, 3 * this.targetDurationMs)
        if (!listed && !this.closed) return { kind: 'blocking-timeout' }
      }
    }
    const body = this.bodies.get(key)
    return body === undefined ? { kind: 'not-ready' } : { kind: 'playlist', body }
  }

  /** The output lists this segment as EXT-X-GAP: no packager has it. */
  isGap (key: string, name: string): boolean {
    return findOutputSegment(this.timeline, key, name)?.gap === true
  }

  /** Where a segment can be fetched from, eligible packagers first; undefined when it is not ours. */
  segmentSources (key: string, name: string): SegmentSource[] | undefined {
    const rendition = this.renditions?.find((r) => r.key === key)
    if (rendition === undefined) return undefined
    const found = findOutputSegment(this.timeline, key, name)
    if (this.options.testOnlyNoFailover === true) {
      const first = this.options.sources[0]
      return first === undefined || (found !== undefined && !found.candidates.some((c) => c.sourceId === first)) ? [] : [{ base: first, path: resolveRelative(rendition.playlistPath, name) }]
    }
    if (found !== undefined) {
      return found.candidates
        .map((c) => ({ base: c.sourceId, path: resolveRelative(rendition.playlistPath, c.uri) }))
        .filter((s) => this.options.sources.includes(s.base))
        .sort((a, b) => this.preference(a.base) - this.preference(b.base))
    }
    // epoch-locked names are the same on every packager, so one just outside our window (an origin
    // that restarted, a slow player) is still found upstream; anything further off is not asked
    // for, so a client walking through numbers cannot multiply upstream requests
    if (/^\d{1,16}\.ts$/.test(name) && this.nearLiveEdge(Number(name.slice(0, -3)))) {
      return [...this.options.sources]
        .sort((a, b) => this.preference(a) - this.preference(b))
        .map((base) => ({ base, path: resolveRelative(rendition.playlistPath, name) }))
    }
    return undefined
  }

  private nearLiveEdge (msn: number): boolean {
    const last = lastOutputMsn(this.timeline)
    if (last === undefined) return false
    const reach = 3 * Math.max(this.options.timeline.windowSize, this.timeline.entries.length)
    return msn >= last - reach && msn <= last + 2
  }

  /**
   * Lower is tried first: eligible before merely up before down, then the one that answered most
   * recently, so a packager that just froze is not tried first and does not cost a timeout.
   */
  // the active packager first: consecutive segments then come from one encoder, whose MPEG-TS
  // continuity counters run on across segment boundaries (a strict demuxer such as ffmpeg's
  // flags every switch between redundant encoders as a corrupt packet)
  private preference (base: string): number {
    const verdict = this.verdicts[base]
    const rank = verdict?.eligible === true ? (base === this.activeSource ? 0 : 1) : verdict?.up === true ? 2 : 3
    const lastOkAt = this.health.sources[base]?.lastOkAt ?? 0
    return rank * 1e15 - lastOkAt
  }

  status (): SignalStatus {
    return {
      signal: this.signal,
      renditions: this.renditions?.map((r) => r.key) ?? [],
      lastMsn: lastOutputMsn(this.timeline),
      ...(this.timeline.lastAppendAt === undefined ? {} : { lastAppendAt: this.timeline.lastAppendAt }),
      ...(this.timeline.targetDuration === undefined ? {} : { targetDurationS: this.timeline.targetDuration }),
      ...(this.ready ? { window: { seconds: this.windowSeconds(), needed: this.neededWindowSeconds() } } : {}),
      sources: this.options.sources.map((url) => {
        const verdict = this.verdicts[url]
        const entry = this.health.sources[url]
        const state = verdict?.up !== true ? 'down' : url === this.activeSource ? 'active' : 'standby'
        const reason = verdict?.reason
        return {
          url,
          state,
          ...(reason === undefined ? {} : { reason }),
          ...(entry?.newestMsn === undefined ? {} : { newestMsn: entry.newestMsn }),
          ...(entry?.lastOkAt === undefined ? {} : { lastOkAt: entry.lastOkAt })
        }
      })
    }
  }

  private async discoverMaster (): Promise<void> {
    if (this.learning) return
    this.learning = true
    try {
      const layout = await learnLayout(this.signal, this.options.sources, { client: this.client, metrics: this.metrics, log: this.log, parseLimits: this.options.parseLimits }, () => this.closed)
      if (this.closed || this.renditions !== undefined) return
      if (layout === undefined) this.masterTimer = setTimeout(() => { void this.discoverMaster() }, 1000)
      else this.adoptLayout(layout)
    } finally {
      this.learning = false
    }
  }

  private adoptLayout (layout: SignalLayout): void {
    this.renditions = layout.renditions
    this.layout = { learnedFrom: layout.learnedFrom, at: Date.now() }
    if (layout.master !== undefined) {
      this.masterBody = Buffer.from(serializeMasterPlaylist(this.options.pathways === undefined ? layout.master : steeredMaster(layout.master, this.signal, this.options.pathways)))
    }
    this.log.info({ renditions: layout.renditions.map((r) => r.key), from: layout.learnedFrom }, 'signal layout learned')
    for (const base of this.options.sources) {
      const byRendition = new Map<string, RenditionPoller>()
      for (const rendition of layout.renditions) {
        const poller = new RenditionPoller(this.client, {
          url: `${base}/${rendition.playlistPath}`,
          parseLimits: this.options.parseLimits,
          defaultTargetDurationMs: this.options.health.defaultTargetDurationMs,
          now: Date.now,
          onResult: (result) => this.onPoll(base, rendition.key, result),
          onFetch: (result) => this.metrics.upstreamFetches.inc({ packager: base, kind: 'playlist', result })
        })
        byRendition.set(rendition.key, poller)
        poller.start()
      }
      this.pollers.set(base, byRendition)
    }
  }

  /**
   * A layout no packager has served in full for a while, before any output: it was learned from a
   * packager that turned out faulty (it named renditions nobody serves). Forget it and learn again,
   * so the signal recovers by itself once a packager answers a ladder it can serve.
   */
  private relearnIfUnserved (now: number, inputs: ReadonlyMap<string, SourceInput>): void {
    if (this.layout === undefined || this.timeline.targetDuration !== undefined) return
    if ([...inputs.values()].some((input) => input.playlists.size > 0)) return
    if (now - this.layout.at < 3 * this.targetDurationMs) return
    this.log.warn({ renditions: this.renditions?.map((r) => r.key), from: this.layout.learnedFrom }, 'no packager serves the ladder it was learned from; learning it again')
    const pollers = [...this.pollers.values()].flatMap((byRendition) => [...byRendition.values()])
    this.pollers.clear()
    for (const poller of pollers) void poller.close()
    this.renditions = undefined
    this.layout = undefined
    this.masterBody = undefined
    this.observations = []
    void this.discoverMaster()
  }

  private onPoll (base: string, key: string, result: PollResult): void {
    const reference = this.renditions?.[0]?.key
    const age = result.playlist === undefined || key !== reference ? undefined : this.ageUntilSeenAdvancing(base, result.playlist, result.at)
    const maxAge = this.options.maxPlaylistAgeMs
    if (age !== undefined && maxAge !== undefined && age > maxAge) {
      // a worker that is gone leaves its last playlist on disk: answering is not being live
      this.observations.push({ sourceId: base, at: result.at, ok: false, reason: `stale: newest segment ended ${Math.round(age / 1000)} s ago` })
    } else if (result.playlist !== undefined) {
      if (key === reference) this.observations.push(okObservation(base, result.at, result.playlist))
    } else {
      this.observations.push({ sourceId: base, at: result.at, ok: false, reason: result.error ?? 'error' })
    }
    // learn of a new segment at once rather than at the next tick
    if (!this.tickQueued) {
      this.tickQueued = true
      setImmediate(() => { this.tickQueued = false; this.tick() })
    }
  }

  /**
   * The age of a playlist by its PROGRAM-DATE-TIME, until the source has been seen advancing. A
   * playlist left on disk never advances; a live packager whose clock is simply elsewhere (a
   * foreign or restarted encoder) does, and from then on is judged by its progress, not its clock.
   */
  private ageUntilSeenAdvancing (base: string, playlist: MediaPlaylist, at: number): number | undefined {
    if (this.advancing.has(base)) return undefined
    const newest = lastMsn(playlist)
    const first = this.firstNewestMsn.get(base)
    if (first === undefined) this.firstNewestMsn.set(base, newest)
    else if (newest !== first) {
      this.advancing.add(base)
      return undefined
    }
    return playlistAgeMs(playlist, at)
  }

  private tick (): void {
    if (this.closed || this.renditions === undefined) return
    const now = Date.now()
    const health = updateSourceHealth(this.health, this.observations, now, this.healthOptions())
    this.observations = []
    this.health = health.state
    this.verdicts = health.verdicts
    const sources = this.sourceInputs()
    const result = advanceTimeline(this.timeline, { now, sources }, this.options.timeline)
    this.timeline = result.state
    this.relearnIfUnserved(now, sources)
    for (const base of this.options.sources) this.metrics.eligiblePackager.set({ signal: this.signal, packager: base }, this.verdicts[base]?.eligible === true ? 1 : 0)
    if (result.stitches > 0) {
      this.metrics.stitches.inc({ signal: this.signal }, result.stitches)
      this.log.warn({ stitches: result.stitches, report: result.report }, 'stitched in a packager whose timeline did not line up (discontinuity)')
      this.failoverLog?.record({ at: now, signal: this.signal, kind: 'stitch', reason: `${result.stitches} discontinuity inserted: a packager whose timeline did not line up` })
    }
    if (result.gaps > 0) {
      this.metrics.gaps.inc({ signal: this.signal }, result.gaps)
      this.log.warn({ gaps: result.gaps, last: lastOutputMsn(this.timeline) }, 'no packager had a segment; listed it as EXT-X-GAP (the timeline lines up around it)')
      this.failoverLog?.record({ at: now, signal: this.signal, kind: 'gap', reason: `${result.gaps} missing segment(s) listed as EXT-X-GAP: an encoder restarted on the epoch grid` })
    }
    this.noteActiveSource()
    if (result.changed) this.render()
    const last = lastOutputMsn(this.timeline)
    if (this.timeline.lastAppendAt !== undefined) this.metrics.playlistAge.set({ signal: this.signal }, (now - this.timeline.lastAppendAt) / 1000)
    if (last !== undefined) this.metrics.lastMsn.set({ signal: this.signal }, last)
  }

  // the hold is configured as a duration, but source-health counts it in target durations
  private healthOptions (): SourceHealthOptions {
    const holdMs = this.options.recoveryHoldMs
    if (holdMs === undefined) return this.options.health
    return { ...this.options.health, holdTargetDurations: Math.max(1, holdMs / this.targetDurationMs) }
  }

  private sourceInputs (): Map<string, SourceInput> {
    const ownEligible = this.options.sources.filter((base) => this.verdicts[base]?.eligible === true)
    const allowed = this.reporterAllowed
    const gated = allowed === undefined ? ownEligible : ownEligible.filter((base) => allowed.includes(base))
    // the reporter only narrows the choice; it never leaves the output with no source our probes trust
    const eligible = new Set(this.options.testOnlyNoFailover === true ? this.options.sources.slice(0, 1) : gated.length > 0 ? gated : ownEligible)
    const inputs = new Map<string, SourceInput>()
    for (const base of this.options.sources) {
      const playlists = new Map<string, MediaPlaylist>()
      const pollers = [...(this.pollers.get(base) ?? [])]
      // only a source that lists every rendition: the timeline locks its renditions at the first output
      const complete = pollers.length > 0 && pollers.every(([, poller]) => poller.playlist !== undefined)
      if (this.verdicts[base]?.up === true && complete) {
        for (const [key, poller] of pollers) playlists.set(key, poller.playlist as MediaPlaylist)
      }
      inputs.set(base, { playlists, eligible: complete && eligible.has(base) })
    }
    return inputs
  }

  /**
   * The active packager is the one new segments are credited to. Epoch-locked packagers are a
   * union (either may list a segment first), so it changes only when the active one stops being
   * eligible: that is a failover.
   */
  private noteActiveSource (): void {
    const previous = this.activeSource
    if (previous !== undefined && this.verdicts[previous]?.eligible === true) return
    const next = [this.timeline.preferredSourceId, ...this.options.sources].find((base) => base !== undefined && this.verdicts[base]?.eligible === true)
    if (next === undefined || next === previous) return
    if (previous !== undefined) {
      this.metrics.failovers.inc({ signal: this.signal, from: previous, to: next })
      this.metrics.activePackager.set({ signal: this.signal, packager: previous }, 0)
      const reason = this.verdicts[previous]?.reason
      this.log.warn({ from: previous, to: next, reason }, 'failover')
      this.failoverLog?.record({ at: Date.now(), signal: this.signal, kind: 'failover', from: previous, to: next, ...(reason === undefined ? {} : { reason }) })
    }
    this.metrics.activePackager.set({ signal: this.signal, packager: next }, 1)
    this.activeSource = next
  }

  /**
   * HOLD-BACK (RFC 8216bis 4.4.3.8; at least 3 target durations) tells hls.js, Shaka Player and
   * video.js how far behind the live edge to play. One target duration above the minimum is the
   * reserve that carries a player through the outages the origin can only bridge, not hide: every
   * packager frozen for a few seconds, the one encoder restarting on a later boundary.
   */
  private serverControl (): string {
    const td = this.timeline.targetDuration ?? this.targetDurationMs / 1000
    return `CAN-BLOCK-RELOAD=YES,HOLD-BACK=${(HOLD_BACK_TARGET_DURATIONS * td).toFixed(1)}`
  }

  private render (): void {
    const assignment = this.edgeAssigner.pass(this.edges)
    for (const rendition of this.renditions ?? []) {
      const prefix = rendition.key === SIGNAL_LEVEL ? `${this.signal}/` : `${this.signal}/${rendition.key}/`
      // only the host changes per edge; the path is the origin's, so any edge can fill from it
      const uriBase = (uri: string): string => {
        const edge = assignment.edgeFor(prefix + uri)
        return edge === undefined ? uri : `${edge}/${prefix}${uri}`
      }
      const text = renderTimeline(this.timeline, rendition.key, { serverControl: this.serverControl(), uriBase }, this.options.timeline)
      if (text !== undefined) this.bodies.set(rendition.key, Buffer.from(text))
    }
    assignment.finish()
    this.metrics.playlistBuilds.inc({ signal: this.signal })
    const last = lastOutputMsn(this.timeline)
    if (last !== undefined) this.waiters.release(last)
    // every render may be the one that makes the window long enough: waiters look again
    if (this.ready) {
      for (const resolve of this.readyWaiters) resolve()
      this.readyWaiters = []
    }
  }
}

/** How long ago the newest segment ended, by its PROGRAM-DATE-TIME; undefined without one. */
function playlistAgeMs (playlist: MediaPlaylist, now: number): number | undefined {
  const newest = playlist.segments[playlist.segments.length - 1]
  if (newest?.programDateTimeMs === undefined) return undefined
  return now - (newest.programDateTimeMs + newest.duration * 1000)
}

function okObservation (sourceId: string, at: number, playlist: MediaPlaylist): HealthObservation {
  const newest = playlist.segments[playlist.segments.length - 1]
  return {
    sourceId,
    at,
    ok: true,
    newestMsn: lastMsn(playlist),
    newestDurationMs: (newest?.duration ?? playlist.targetDuration) * 1000,
    targetDurationMs: playlist.targetDuration * 1000
  }
}

/** `uri` as listed in the media playlist at `playlistPath`, as a path from the packager's root. */
function resolveRelative (playlistPath: string, uri: string): string {
  const dir = playlistPath.slice(0, playlistPath.lastIndexOf('/') + 1)
  return dir + uri
}
