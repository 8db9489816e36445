import type { Logger } from '../log/logger.js'
import type { ParseLimits } from '../hls/playlist-parser.js'
import { findOutputSegment, lastOutputMsn } from '../hls/signal-timeline.js'
import { PART_FILE } from '../hls/names.js'
import type { TimelineOptions } from '../hls/timeline-state.js'
import type { SourceHealthOptions } from '../hls/source-health.js'
import { serializeMasterPlaylist } from '../hls/playlist-serializer.js'
import type { MasterPlaylist } from '../hls/master-playlist.js'
import { edgeSteeredMaster, rankForBucket, type EdgePlan } from './edge-pathways.js'
import type { OriginPathway } from './origin-pathways.js'
import { MsnWaiters, playlistPosition, type BlockingTarget } from './msn-waiters.js'
import type { OriginMetrics } from './origin-metrics.js'
import type { PollResult } from './rendition-poller.js'
import type { SegmentSource } from './segment-fetcher.js'
import type { UpstreamClient } from './upstream-client.js'
import type { FailoverLog } from './failover-log.js'
import { SIGNAL_LEVEL, type Rendition } from './signal-layout.js'
import { LadderFollower } from './ladder-follower.js'
import { FOLLOW_HEALTHY, type FailoverStrategy } from './failover-strategy.js'
import { advanceSignal, segmentCandidates } from './signal-policy.js'
import { resolveRelative } from './segment-candidates.js'
import { windowSeconds } from './output-window.js'
import { RenderedPlaylists } from './rendered-playlists.js'
import { EMPTY_SIGNAL_POLICY, type PollObservation, type SignalPolicyOptions, type SignalPolicyState } from './signal-policy-state.js'
import { reportSignalEvent } from './signal-event-report.js'
import { signalStatus, type SignalStatus } from './signal-status.js'
import { requestHoldMs } from './request-hold.js'

export interface SignalSessionOptions {
  readonly signal: string
  /** Allow-listed packager base URLs: the only hosts this session ever fetches from. */
  readonly sources: readonly string[]
  readonly timeline: TimelineOptions
  readonly health: SourceHealthOptions
  /** Hold after recovery in ms (RECOVERY_HOLD); the policy counts it in the stream's target durations. */
  readonly recoveryHoldMs?: number
  readonly parseLimits: ParseLimits
  readonly tickMs: number
  /** A playlist whose newest segment ended longer ago than this is not live, whatever else it says. */
  readonly maxPlaylistAgeMs?: number
  /** Which packagers may serve; default FOLLOW_HEALTHY. A test's control injects FIRST_SOURCE_ONLY. */
  readonly failover?: FailoverStrategy
  /** Origin replicas (ORIGIN_PATHWAYS): the ladder is offered once per replica as a Content Steering pathway. */
  readonly pathways?: readonly OriginPathway[]
  /** The edges players are offered as pathways (none: players are served by whoever they ask). */
  readonly edgePlan?: () => EdgePlan
}

export type MediaAnswer =
  | { readonly kind: 'playlist', readonly body: Buffer }
  | { readonly kind: 'not-ready' }
  | { readonly kind: 'unknown-rendition' }
  | { readonly kind: 'bad-msn', readonly message: string }
  | { readonly kind: 'blocking-timeout' }

/**
 * One live signal at the origin: follows every allow-listed packager's playlists for it, feeds
 * what they answer to the failover policy (advanceSignal) on every tick, and keeps each output
 * playlist rendered once per change so that players are answered from memory.
 */
export class SignalSession {
  private readonly ladder: LadderFollower
  private polls: PollObservation[] = []
  private policy: SignalPolicyState = EMPTY_SIGNAL_POLICY
  private readonly policyOptions: SignalPolicyOptions
  private readonly rendered = new RenderedPlaylists()
  private readonly waiters = new MsnWaiters()
  private readyWaiters: Array<() => void> = []
  private reporterAllowed: readonly string[] | undefined
  // one multivariant playlist per steering bucket, made on first ask, for one edge plan and ladder
  private masters = new Map<number, Buffer>()
  private mastersOf: { plan: string, master: MasterPlaylist | undefined } = { plan: '', master: undefined }
  private tickTimer: NodeJS.Timeout | undefined
  private tickQueued = false
  private closed = false
  lastRequestAt = Date.now()

  constructor (
    private readonly options: SignalSessionOptions,
    client: UpstreamClient,
    private readonly metrics: OriginMetrics,
    private readonly log: Logger,
    private readonly failoverLog?: FailoverLog
  ) {
    this.policyOptions = {
      sources: options.sources,
      timeline: options.timeline,
      health: options.health,
      failover: options.failover ?? FOLLOW_HEALTHY,
      ...(options.recoveryHoldMs === undefined ? {} : { recoveryHoldMs: options.recoveryHoldMs }),
      ...(options.maxPlaylistAgeMs === undefined ? {} : { maxPlaylistAgeMs: options.maxPlaylistAgeMs })
    }
    this.ladder = new LadderFollower({
      signal: options.signal,
      sources: options.sources,
      parseLimits: options.parseLimits,
      defaultTargetDurationMs: options.health.defaultTargetDurationMs,
      ...(options.pathways === undefined ? {} : { pathways: options.pathways }),
      client,
      metrics,
      log,
      onPoll: (base, key, result) => this.onPoll(base, key, result)
    })
  }

  private get renditions (): readonly Rendition[] | undefined { return this.ladder.renditions }

  private get timeline (): SignalPolicyState['timeline'] { return this.policy.timeline }

  get signal (): string { return this.options.signal }
  get ready (): boolean { return this.rendered.size > 0 }
  /**
   * Players are offered the signal once its window holds the 3 target durations a live playlist
   * keeps (RFC 8216bis 6.2.2): a player that joined a stream's first seconds at a one-segment live
   * edge would have nothing in reserve.
   */
  get playable (): boolean { return this.ready && this.windowSeconds() >= this.neededWindowSeconds() - 1e-9 }

  /** Seconds of media in the output window (the reference rendition), 0 before the first output. */
  windowSeconds (): number { return windowSeconds(this.timeline) }

  neededWindowSeconds (): number { return 3 * this.targetDurationMs / 1000 }
  get targetDurationMs (): number { return (this.timeline.targetDuration ?? this.options.health.defaultTargetDurationMs / 1000) * 1000 }

  /** How long a player's request is held for what is not there yet (requestHoldMs). */
  get holdMs (): number { return requestHoldMs(this.targetDurationMs) }

  start (): void {
    this.ladder.start()
    this.tickTimer = setInterval(() => this.tick(), this.options.tickMs)
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.tickTimer)
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
    await this.ladder.close()
  }

  /**
   * The reporter's healthy packagers for this signal while it is reachable, or undefined to rely on
   * the origin's own probes alone.
   */
  setReporterView (packagers: readonly string[] | undefined): void {
    this.reporterAllowed = packagers
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

  /**
   * The entry playlist: the master of a ladder, or the media playlist of a one-rendition signal.
   * With edges and a `bucket`, the ladder once per edge as Content Steering pathways, the bucket's
   * edge first; without a bucket, the ladder as the packagers serve it.
   */
  entryPlaylist (bucket?: number): Buffer | undefined {
    const master = this.ladder.masterPlaylist
    const plan = this.options.edgePlan?.()
    if (bucket === undefined || master === undefined || plan === undefined || plan.pathways.length === 0) return this.ladder.master ?? this.rendered.body(SIGNAL_LEVEL)
    if (this.mastersOf.plan !== plan.key || this.mastersOf.master !== master) {
      this.masters = new Map()
      this.mastersOf = { plan: plan.key, master }
    }
    let body = this.masters.get(bucket)
    if (body === undefined) {
      body = Buffer.from(serializeMasterPlaylist(edgeSteeredMaster(master, this.signal, rankForBucket(plan.pathways, bucket, plan.owners), bucket, this.options.pathways)))
      this.masters.set(bucket, body)
    }
    return body
  }

  hasRendition (key: string): boolean {
    return this.renditions?.some((r) => r.key === key) === true
  }

  /**
   * A media playlist, holding the request while `_HLS_msn` (and `_HLS_part`) name what is not
   * listed yet (RFC 8216bis 6.2.5.2); with `delta`, the delta update when the output offers one.
   */
  async mediaPlaylist (key: string, block: BlockingTarget | undefined, delta = false): Promise<MediaAnswer> {
    if (this.renditions !== undefined && !this.hasRendition(key)) return { kind: 'unknown-rendition' }
    if (block !== undefined) {
      const last = lastOutputMsn(this.timeline)
      if (last !== undefined && block.msn > last + 2) {
        return { kind: 'bad-msn', message: `_HLS_msn=${block.msn} is more than two segments beyond the last one (${last})` }
      }
      const wanted = playlistPosition(block.msn, block.part)
      if (last === undefined || this.rendered.position(key) < wanted) {
        const listed = await this.waiters.wait(key, wanted, this.holdMs)
        if (!listed && !this.closed) return { kind: 'blocking-timeout' }
      }
    }
    const body = this.rendered.body(key, delta)
    return body === undefined ? { kind: 'not-ready' } : { kind: 'playlist', body }
  }

  /** A part asked for before it is listed (a preload hint): held until listed, as a blocking reload is. */
  async whenPartListed (key: string, name: string): Promise<boolean> {
    const match = PART_FILE.exec(name)
    const last = lastOutputMsn(this.timeline)
    if (match === null || last === undefined || this.timeline.partTarget === undefined) return false
    const msn = Number(match[1])
    if (msn <= last || msn > last + 2) return false
    return await this.waiters.wait(key, playlistPosition(msn, Number(match[2])), this.holdMs)
  }

  /** The output lists this segment as EXT-X-GAP: no packager has it. */
  isGap (key: string, name: string): boolean {
    return findOutputSegment(this.timeline, key, name)?.gap === true
  }

  /** Where a segment can be fetched from, eligible packagers first; undefined when it is not ours. */
  segmentSources (key: string, name: string): SegmentSource[] | undefined {
    const rendition = this.renditions?.find((r) => r.key === key)
    if (rendition === undefined) return undefined
    return segmentCandidates(this.policy, this.policyOptions, key, name)?.map((c) => ({ base: c.sourceId, path: resolveRelative(rendition.playlistPath, c.uri) }))
  }

  status (): SignalStatus {
    return signalStatus({
      signal: this.signal,
      renditions: this.renditions?.map((r) => r.key) ?? [],
      sources: this.options.sources,
      policy: this.policy,
      ...(this.ready ? { window: { seconds: this.windowSeconds(), needed: this.neededWindowSeconds() } } : {})
    })
  }

  /**
   * A layout no packager has served in full for a while, before any output: it was learned from a
   * packager that turned out faulty (it named renditions nobody serves). Forget it and learn again,
   * so the signal recovers by itself once a packager answers a ladder it can serve.
   */
  private relearnIfUnserved (now: number): void {
    const learnedAt = this.ladder.layoutLearnedAt
    if (learnedAt === undefined || now - learnedAt < 3 * this.targetDurationMs) return
    this.polls = []
    this.ladder.relearn()
  }

  private onPoll (base: string, key: string, result: PollResult): void {
    this.polls.push({ sourceId: base, rendition: key, at: result.at, ...(result.playlist === undefined ? {} : { playlist: result.playlist }), ...(result.error === undefined ? {} : { error: result.error }) })
    // learn of a new segment at once rather than at the next tick
    if (!this.tickQueued) {
      this.tickQueued = true
      setImmediate(() => { this.tickQueued = false; this.tick() })
    }
  }

  private tick (): void {
    if (this.closed || this.renditions === undefined) return
    const now = Date.now()
    const step = advanceSignal(this.policy, { polls: this.polls, renditions: this.renditions.map((r) => r.key), latest: this.ladder.latestPlaylists(), reporter: this.reporterAllowed }, now, this.policyOptions)
    this.polls = []
    this.policy = step.state
    for (const base of this.options.sources) this.metrics.eligiblePackager.set({ signal: this.signal, packager: base }, this.policy.verdicts[base]?.eligible === true ? 1 : 0)
    for (const event of step.events) {
      if (event.kind === 'ladder-unserved') this.relearnIfUnserved(now)
      else if (event.kind === 'output-changed') this.render()
      else reportSignalEvent(event, now, { signal: this.signal, metrics: this.metrics, log: this.log, ...(this.failoverLog === undefined ? {} : { failoverLog: this.failoverLog }) })
    }
    const last = lastOutputMsn(this.timeline)
    if (this.timeline.lastAppendAt !== undefined) this.metrics.playlistAge.set({ signal: this.signal }, (now - this.timeline.lastAppendAt) / 1000)
    if (last !== undefined) this.metrics.lastMsn.set({ signal: this.signal }, last)
  }

  private render (): void {
    const keys = (this.renditions ?? []).map((r) => r.key)
    const positions = this.rendered.render(this.timeline, keys, this.targetDurationMs / 1000, this.options.timeline)
    for (const [key, position] of positions) this.waiters.release(key, position)
    this.metrics.playlistBuilds.inc({ signal: this.signal })
    // every render may be the one that makes the window long enough: waiters look again
    if (this.ready) {
      for (const resolve of this.readyWaiters) resolve()
      this.readyWaiters = []
    }
  }
}
