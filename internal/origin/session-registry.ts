import type { Logger } from '../log/logger.js'
import { EdgeRing } from './edge-ring.js'
import type { OriginMetrics } from './origin-metrics.js'
import type { EdgeTarget, IngestView } from './reporter-view.js'
import { SignalSession, type SignalSessionOptions } from './signal-session.js'
import type { UpstreamClient } from './upstream-client.js'
import { FailoverLog } from '../status/failover-log.js'

export interface SessionRegistryOptions {
  readonly session: Omit<SignalSessionOptions, 'signal'>
  readonly maxSignals: number
  /** A signal neither reported live nor requested for this long is dropped. */
  readonly idleMs: number
}

/**
 * The signals the origin follows: those the reporter calls live, plus any a player asks for (so a
 * restarted origin serves even while the reporter is away). Bounded, so unknown names cannot make
 * it poll without limit.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, SignalSession>()
  private view: IngestView | undefined
  private reporterReachable = false
  private edges = new EdgeRing([])
  private sweepTimer: NodeJS.Timeout | undefined
  /** Recent failovers and stitches of every signal, for the status page. */
  readonly failovers = new FailoverLog(50)

  constructor (
    private readonly options: SessionRegistryOptions,
    private readonly client: UpstreamClient,
    private readonly metrics: OriginMetrics,
    private readonly log: Logger
  ) {}

  start (): void {
    this.sweepTimer = setInterval(() => { void this.sweep() }, Math.max(1000, this.options.idleMs / 4))
  }

  async close (): Promise<void> {
    clearInterval(this.sweepTimer)
    const all = [...this.sessions.values()]
    this.sessions.clear()
    await Promise.all(all.map(async (s) => await s.close()))
  }

  /** The session of a signal, started on first use; undefined when the registry is full. */
  get (signal: string): SignalSession | undefined {
    const existing = this.sessions.get(signal)
    if (existing !== undefined) {
      existing.lastRequestAt = Date.now()
      return existing
    }
    if (this.sessions.size >= this.options.maxSignals && !this.makeRoomFor(signal)) return undefined
    const session = new SignalSession({ ...this.options.session, signal }, this.client, this.metrics, this.log.child({ signal }), this.failovers)
    session.setReporterView(this.gateFor(signal))
    session.setEdges(this.edges)
    this.sessions.set(signal, session)
    this.metrics.signals.set(this.sessions.size)
    session.start()
    return session
  }

  /**
   * A full registry makes room by dropping a session a player asked for that never produced
   * output and that the reporter does not list (junk names cannot lock real signals out); a
   * signal the reporter lists is always admitted.
   */
  private makeRoomFor (signal: string): boolean {
    const reported = this.view?.has(signal) === true
    const victim = [...this.sessions.values()]
      .filter((s) => !s.ready && this.view?.has(s.signal) !== true)
      .sort((a, b) => a.lastRequestAt - b.lastRequestAt)[0]
    if (victim !== undefined) {
      this.sessions.delete(victim.signal)
      void victim.close()
      this.log.info({ signal: victim.signal }, 'dropped a signal that never went live to make room')
      return true
    }
    return reported
  }

  /** Follows the reporter's view: new live signals start at once. */
  applyView (view: IngestView): void {
    this.view = view
    for (const signal of view.keys()) if (!this.sessions.has(signal)) this.get(signal)
    this.updateGates()
  }

  /** The live edges segment URIs are spread over; an empty list keeps them on the origin. */
  setEdges (edges: readonly EdgeTarget[]): void {
    const ring = new EdgeRing(edges.map((e) => e.url), edges.filter((e) => e.draining).map((e) => e.url))
    if (ring.equals(this.edges)) return
    this.edges = ring
    this.metrics.edges.set(ring.size)
    this.log.info({ edges: ring.edges, draining: ring.draining }, 'edge set changed')
    for (const session of this.sessions.values()) session.setEdges(ring)
  }

  /** While the reporter is away its last view still names the signals, but only our own probes judge packagers. */
  setReporterReachable (reachable: boolean): void {
    this.reporterReachable = reachable
    this.updateGates()
  }

  private updateGates (): void {
    for (const [signal, session] of this.sessions) session.setReporterView(this.gateFor(signal))
  }

  private gateFor (signal: string): readonly string[] | undefined {
    return this.reporterReachable ? this.view?.get(signal) ?? [] : undefined
  }

  get isReporterReachable (): boolean { return this.reporterReachable }
  /** The edges segment URIs are spread over right now. */
  get edgeUrls (): readonly string[] { return this.edges.edges }

  all (): SignalSession[] {
    return [...this.sessions.values()]
  }

  private async sweep (): Promise<void> {
    const now = Date.now()
    for (const [signal, session] of this.sessions) {
      if (this.view?.has(signal) === true || now - session.lastRequestAt < this.options.idleMs) continue
      this.sessions.delete(signal)
      this.log.info({ signal }, 'signal no longer live or requested, stopped following it')
      await session.close()
    }
    this.metrics.signals.set(this.sessions.size)
  }
}
