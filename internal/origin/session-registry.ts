import type { Logger } from '../log/logger.js'
import { parsePlaylist } from '../hls/playlist-parser.js'
import { NO_EDGES, planEdges, type EdgePlan } from './edge-pathways.js'
import type { OriginMetrics } from './origin-metrics.js'
import type { EdgeTarget, IngestView } from './reporter-view.js'
import { SignalSession, type SignalSessionOptions } from './signal-session.js'
import type { UpstreamClient } from './upstream-client.js'
import { FailoverLog } from './failover-log.js'
import { SignalAdmission, type AdmissionLimits, type AdmissionRequester } from './signal-admission.js'

export interface SessionRegistryOptions {
  readonly session: Omit<SignalSessionOptions, 'signal'>
  readonly maxSignals: number
  /** A signal neither reported live nor requested for this long is dropped. */
  readonly idleMs: number
  /** How names not followed yet are probed; DEFAULT_ADMISSION_LIMITS otherwise. */
  readonly admission?: Partial<AdmissionLimits>
  /** Each edge's recent requests per second, by URL: busier edges get fewer new players. */
  readonly edgeLoads?: () => ReadonlyMap<string, number>
}

/** How long a plan of which bucket starts on which edge stands before the edges' loads are read again. */
const EDGE_PLAN_MS = 5000

/** How often names the reporter lists but no session follows are looked at again. */
const ADMIT_REPORTED_EVERY_MS = 1000

/**
 * The signals the origin follows: those the reporter calls live, plus any a player asks for (so a
 * restarted origin serves even while the reporter is away). Either way a name is followed only
 * once an allow-listed packager answers its entry playlist (see SignalAdmission), and only up to
 * maxSignals: unknown names cost no pollers, no status page entry and a bounded probe rate.
 */
export class SessionRegistry {
  private readonly sessions = new Map<string, SignalSession>()
  /** Sessions waiting for their name's probe: not started, not listed, shared by concurrent requests. */
  private readonly pending = new Map<string, SignalSession>()
  private readonly admission: SignalAdmission
  private admitTimer: NodeJS.Timeout | undefined
  private closed = false
  private view: IngestView | undefined
  private reporterReachable = false
  private edgeTargets: readonly EdgeTarget[] = []
  private plan: EdgePlan = NO_EDGES
  private planAt = -Infinity
  private sweepTimer: NodeJS.Timeout | undefined
  /** Recent failovers and stitches of every signal, for the status page. */
  readonly failovers = new FailoverLog(50)

  constructor (
    private readonly options: SessionRegistryOptions,
    private readonly client: UpstreamClient,
    private readonly metrics: OriginMetrics,
    private readonly log: Logger
  ) {
    const parseLimits = options.session.parseLimits
    this.admission = new SignalAdmission({
      sources: options.session.sources,
      ...(options.admission === undefined ? {} : { limits: options.admission }),
      ask: async (base, signal) => {
        const result = await client.get(`${base}/${signal}/playlist.m3u8`)
        metrics.upstreamFetches.inc({ packager: base, kind: 'master', result: result.ok ? 'ok' : result.failure })
        return result.ok && parsePlaylist(result.body.toString('utf8'), parseLimits).ok
      }
    })
  }

  start (): void {
    this.sweepTimer = setInterval(() => { void this.sweep() }, Math.max(1000, this.options.idleMs / 4))
    this.admitTimer = setInterval(() => this.admitReported(), ADMIT_REPORTED_EVERY_MS)
  }

  async close (): Promise<void> {
    this.closed = true
    clearInterval(this.sweepTimer)
    clearInterval(this.admitTimer)
    const all = [...this.sessions.values(), ...this.pending.values()]
    this.sessions.clear()
    this.pending.clear()
    await Promise.all(all.map(async (s) => await s.close()))
  }

  /**
   * The session of a signal. A name not followed yet gets a session that starts once a packager
   * is found to serve it, and is closed (its waiters answered at once) when none does; undefined
   * when the registry is full.
   */
  get (signal: string): SignalSession | undefined {
    const existing = this.sessions.get(signal)
    if (existing !== undefined) {
      existing.lastRequestAt = Date.now()
      return existing
    }
    const pending = this.pending.get(signal)
    if (pending !== undefined) return pending
    if (!this.hasRoom()) return undefined
    if (this.admission.knownUnknown(signal)) return this.refused(signal)
    return this.admit(signal, 'player')
  }

  private newSession (signal: string): SignalSession {
    const session = new SignalSession({ ...this.options.session, signal, edgePlan: () => this.edgePlan() }, this.client, this.metrics, this.log.child({ signal }), this.failovers)
    session.setReporterView(this.gateFor(signal))
    return session
  }

  /** A session that is already closed: whoever waits on it is told at once that nothing serves the name. */
  private refused (signal: string): SignalSession {
    const session = this.newSession(signal)
    void session.close()
    return session
  }

  /** Probes the name (once for all who ask meanwhile) and starts following it if a packager serves it and there is room. */
  private admit (signal: string, requester: AdmissionRequester): SignalSession {
    const candidate = this.newSession(signal)
    this.pending.set(signal, candidate)
    void this.admission.probe(signal, requester).then((verdict) => {
      if (this.pending.get(signal) === candidate) this.pending.delete(signal)
      if (this.closed || verdict !== 'served' || this.sessions.has(signal) || !this.makeRoom()) {
        void candidate.close()
        return
      }
      // the reporter's view may have changed while the name was being probed
      candidate.setReporterView(this.gateFor(signal))
      this.sessions.set(signal, candidate)
      this.metrics.signals.set(this.sessions.size)
      candidate.start()
    })
    return candidate
  }

  private hasRoom (): boolean {
    return this.sessions.size < this.options.maxSignals || this.victim() !== undefined
  }

  /** A session a full registry may drop: one the reporter does not list that never produced output, least recently requested. */
  private victim (): SignalSession | undefined {
    return [...this.sessions.values()]
      .filter((s) => !s.ready && this.view?.has(s.signal) !== true)
      .sort((a, b) => a.lastRequestAt - b.lastRequestAt)[0]
  }

  /**
   * A full registry makes room by dropping a victim (see victim()). A signal the reporter lists
   * counts against the same limit: a reporter listing many names cannot make the origin follow
   * more than maxSignals.
   */
  private makeRoom (): boolean {
    if (this.sessions.size < this.options.maxSignals) return true
    const victim = this.victim()
    if (victim === undefined) return false
    this.sessions.delete(victim.signal)
    void victim.close()
    this.log.info({ signal: victim.signal }, 'dropped a signal that never went live to make room')
    return true
  }

  /**
   * Follows the reporter's view: a newly listed signal is probed at once and followed if a packager
   * serves it. The reporter naming a signal is a claim, not a fact: a compromised reporter (or a
   * leaked token) listing junk names gets them probed within the reporter's budget, never followed.
   */
  applyView (view: IngestView): void {
    const before = this.view
    this.view = view
    for (const signal of view.keys()) if (before?.has(signal) !== true) this.admission.forget(signal)
    this.admitReported()
    this.updateGates()
  }

  /** Probes listed names no session follows, never probed (or longest ago) first, while the budget and the limit allow. */
  private admitReported (): void {
    const view = this.view
    if (this.closed || view === undefined) return
    const wanted = [...view]
      // a signal the reporter lists with no allow-listed packager is not one we could serve anyway
      .filter(([signal, packagers]) => packagers.length > 0 && !this.sessions.has(signal) && !this.pending.has(signal) && !this.admission.knownUnknown(signal))
      .map(([signal]) => signal)
      .sort((a, b) => (this.admission.lastProbedAt(a) ?? -1) - (this.admission.lastProbedAt(b) ?? -1))
    for (const signal of wanted) {
      if (!this.hasRoom() || !this.admission.hasBudget('reporter')) return
      this.admit(signal, 'reporter')
    }
  }

  /** The live edges: players are offered the non-draining ones as Content Steering pathways. */
  setEdges (edges: readonly EdgeTarget[]): void {
    this.edgeTargets = edges
    this.planAt = -Infinity
    const plan = this.edgePlan()
    this.metrics.edges.set(plan.pathways.length)
    this.log.info({ pathways: plan.pathways.map((p) => p.url), draining: edges.filter((e) => e.draining).map((e) => e.url) }, 'edge set changed')
  }

  /** Which edges players are offered and which bucket starts where, read again every few seconds for the loads. */
  edgePlan (): EdgePlan {
    const now = Date.now()
    if (now - this.planAt < EDGE_PLAN_MS) return this.plan
    const next = planEdges(this.edgeTargets, this.options.edgeLoads?.() ?? new Map())
    this.planAt = now
    if (next.key !== this.plan.key) this.plan = next
    return this.plan
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
  /** The edges players are offered right now. */
  get edgeUrls (): readonly string[] { return this.edgePlan().pathways.map((p) => p.url) }

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
