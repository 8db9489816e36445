import type { Logger } from '../log/logger.js'
import { allowlistIncludes, type AllowedOrigin } from '../config/url-allowlist.js'
import { isValidName } from '../hls/names.js'
import { ReporterEndpoints } from '../http/reporter-endpoints.js'
import type { UpstreamClient } from './upstream-client.js'
import { applyProbeResults, applyReporterEdges, decideEdges, edgesToProbe, INITIAL_EDGE_VIEW, markReporterAway, type EdgeViewOptions, type EdgeViewState } from './edge-view-policy.js'

type UpstreamAnswer = Awaited<ReturnType<UpstreamClient['get']>>

/** Signal name -> allow-listed packager base URLs the reporter last called healthy for it. */
export type IngestView = ReadonlyMap<string, readonly string[]>

/**
 * Pure: reads the reporter's GET /ingests answer (the Go original's shape, docs/design.md; extra fields ignored),
 * keeping only well-named signals and packagers on the allow-list, so a poisoned reporter cannot
 * make the origin fetch from anywhere else.
 */
export function parseIngests (body: unknown, allowlist: readonly string[]): IngestView | undefined {
  if (!Array.isArray(body)) return undefined
  const allowed = new Set(allowlist)
  const view = new Map<string, string[]>()
  for (const entry of body) {
    if (typeof entry !== 'object' || entry === null) continue
    const { signal, packagers } = entry as { signal?: unknown, packagers?: unknown }
    if (typeof signal !== 'string' || !isValidName('signal', signal) || !Array.isArray(packagers)) continue
    const urls = packagers.filter((p): p is string => typeof p === 'string').map((p) => p.replace(/\/+$/, '')).filter((p) => allowed.has(p))
    view.set(signal, [...new Set(urls)])
  }
  return view
}

/** One live edge as the reporter lists it, for the status page. */
export interface EdgeDetail {
  readonly id: string
  /** Plain http(s) origin, no trailing slash. */
  readonly url: string
  /** Requests per second the edge served lately (its manager's figure). */
  readonly loadRps: number
  /** On its way out: keeps the segments listed on it, takes no new ones. */
  readonly draining: boolean
  /** The reporter's text for its last heartbeat, as given. */
  readonly lastReported?: string
}

/** What the origin needs of an edge to place segments on it. */
export interface EdgeTarget {
  readonly url: string
  readonly draining: boolean
}

const EDGE_ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/**
 * Pure: reads the reporter's GET /edges answer into the live edges. Only plain http(s) origins are
 * kept (no path, credentials or query), so a URI rewritten onto an edge is always
 * `<edge>/<signal>/<rendition>/<segment>`; one entry per URL, sorted by URL. `allowed` (the
 * EDGE_ALLOWLIST) drops every other host, and `refused` collects what it dropped.
 */
export function parseEdgeDetails (body: unknown, allowed: (url: string) => boolean = () => true, refused?: Set<string>): EdgeDetail[] | undefined {
  if (!Array.isArray(body)) return undefined
  const byUrl = new Map<string, EdgeDetail>()
  for (const entry of body) {
    const { id, url: raw, load_rps: load, draining, last_reported: lastReported } = (entry ?? {}) as { id?: unknown, url?: unknown, load_rps?: unknown, draining?: unknown, last_reported?: unknown }
    if (typeof raw !== 'string') continue
    let url: URL
    try { url = new URL(raw) } catch { continue }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') continue
    if (byUrl.has(url.origin)) continue
    if (!allowed(url.origin)) {
      refused?.add(url.origin)
      continue
    }
    byUrl.set(url.origin, {
      id: typeof id === 'string' && EDGE_ID.test(id) ? id : url.host,
      url: url.origin,
      loadRps: typeof load === 'number' && Number.isFinite(load) && load >= 0 ? load : 0,
      draining: draining === true,
      ...(typeof lastReported === 'string' ? { lastReported: lastReported.slice(0, 64) } : {})
    })
  }
  return [...byUrl.values()].sort((a, b) => (a.url < b.url ? -1 : a.url > b.url ? 1 : 0))
}

/** Pure: the base URLs of the live edges in the reporter's GET /edges answer (see parseEdgeDetails). */
export function parseEdges (body: unknown): string[] | undefined {
  return parseEdgeDetails(body)?.map((e) => e.url)
}

/** How the ReporterView judges edges the reporter cannot vouch for (see edge-view-policy.ts). */
export interface ReporterViewEdgeOptions extends EdgeViewOptions {
  /** GET <edge>/_edge/healthz with a short timeout; true when it answered 200. Never throws. */
  readonly probeEdge: (url: string) => Promise<boolean>
}

// without probes and without a time limit: the last edge set is kept while the reporter is away
const NO_EDGE_PROBES: ReporterViewEdgeOptions = { probe: false, failuresToDrop: 1, maxStaleMs: Number.POSITIVE_INFINITY, unlistedGraceMs: 0, probeEdge: async () => false }

/**
 * Polls the reporter and keeps the last view it could read: when the reporter is away the origin
 * carries on with what it knew, and its own probes. Edges: the reporter's answer rules while it can
 * be read; otherwise the edges it last listed are probed (one probe per edge per poll interval) and
 * kept while they answer (edge-view-policy.ts decides).
 */
export class ReporterView {
  private view: IngestView = new Map()
  private edgeSet: readonly EdgeTarget[] = []
  private edgeState: EdgeViewState = INITIAL_EDGE_VIEW
  private details: readonly EdgeDetail[] = []
  private reachable: boolean | undefined
  private timer: NodeJS.Timeout | undefined
  private probeTimer: NodeJS.Timeout | undefined
  private polling: Promise<void> | undefined
  private probing: Promise<void> | undefined
  private closed = false
  private readonly edgeOptions: ReporterViewEdgeOptions
  /** Edge URLs already logged as off the allow-list, so each is logged once. */
  private readonly refusedEdges = new Set<string>()
  private readonly endpoints: ReporterEndpoints

  constructor (
    private readonly options: {
      /** REPORTER_URL: one reporter, or several over one registry (each poll starts with the one that answered last). */
      reporterUrls: readonly string[]
      allowlist: readonly string[]
      /** EDGE_ALLOWLIST: the only edges segments are placed on or probed; none when absent. */
      edgeAllowlist?: readonly AllowedOrigin[]
      pollMs: number
      edges?: ReporterViewEdgeOptions
      now?: () => number
    },
    private readonly client: UpstreamClient,
    private readonly log: Logger,
    private readonly onChange: (view: IngestView) => void = () => {},
    private readonly onReachability: (reachable: boolean) => void = () => {},
    private readonly onEdges: (edges: readonly EdgeTarget[]) => void = () => {}
  ) {
    this.edgeOptions = options.edges ?? NO_EDGE_PROBES
    this.endpoints = new ReporterEndpoints(options.reporterUrls)
  }

  /** The edges segment URIs go to now: the reporter's, or while it is away, the known ones still answering. */
  get edges (): readonly EdgeTarget[] { return this.edgeSet }
  /** The live edges with their id and load, as last read (the ring only needs the URLs). */
  get edgeDetails (): readonly EdgeDetail[] { return this.details }

  get current (): IngestView { return this.view }
  get isReachable (): boolean { return this.reachable === true }

  start (): void {
    this.polling = this.poll()
    this.timer = setInterval(() => { this.polling ??= this.poll() }, this.options.pollMs)
    // its own loop, so a reporter that hangs (each poll waits out its timeout) does not slow the probes
    this.probeTimer = setInterval(() => { this.probeEdges() }, this.options.pollMs)
  }

  async close (): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearInterval(this.timer)
    if (this.probeTimer !== undefined) clearInterval(this.probeTimer)
    this.timer = undefined
    this.probeTimer = undefined
    await Promise.all([this.polling, this.probing])
  }

  private now (): number { return this.options.now?.() ?? Date.now() }

  private async poll (): Promise<void> {
    try {
      const { result, edgeResult, parsed } = await this.read()
      if (this.closed) return
      // edges first: the first playlists a new session renders already spread over them
      const refused = new Set<string>()
      const details = edgeResult.ok ? parseEdgeDetails(safeJson(edgeResult.body), (url) => this.edgeAllowed(url), refused) : undefined
      this.logRefused(refused)
      this.applyEdgeAnswer(details)
      if (parsed === undefined) {
        if (this.reachable !== false) {
          this.log.warn({ reporters: this.endpoints.all, reason: result.ok ? 'unreadable answer' : result.detail }, 'reporter unreachable, keeping the last known view')
          this.reachable = false
          this.onReachability(false)
        }
        return
      }
      const wasReachable = this.reachable === true
      this.reachable = true
      if (!sameView(this.view, parsed)) {
        this.view = parsed
        this.onChange(parsed)
      }
      if (!wasReachable) {
        this.log.info({ reporter: this.endpoints.current }, 'reporter reachable')
        this.onReachability(true)
      }
    } finally {
      this.polling = undefined
    }
  }

  /** /ingests and /edges from the reporter that answered last, or the next while its ingest answer is unreadable (reporters over one registry answer the same). */
  private async read (): Promise<{ result: UpstreamAnswer, edgeResult: UpstreamAnswer, parsed: IngestView | undefined }> {
    return await this.endpoints.first(async (url) => {
      // both at once: an ingest answer the origin cannot read (too large, say) must not cost the edges
      const [result, edgeResult] = await Promise.all([this.client.get(`${url}/ingests`), this.client.get(`${url}/edges`)])
      return { result, edgeResult, parsed: result.ok ? parseIngests(safeJson(result.body), this.options.allowlist) : undefined }
    }, ({ parsed }) => this.closed || parsed !== undefined)
  }

  private edgeAllowed (url: string): boolean {
    return this.options.edgeAllowlist !== undefined && allowlistIncludes(this.options.edgeAllowlist, url)
  }

  // each refused URL is logged once (the set is bounded), several in one line
  private logRefused (refused: ReadonlySet<string>): void {
    const fresh = [...refused].filter((url) => !this.refusedEdges.has(url))
    if (fresh.length === 0) return
    if (this.refusedEdges.size > 1024) this.refusedEdges.clear()
    for (const url of fresh) this.refusedEdges.add(url)
    this.log.warn({ edges: fresh.slice(0, 16), count: fresh.length }, 'the reporter lists edges outside EDGE_ALLOWLIST: no segment goes there')
  }

  // edges expire at the reporter after their short TTL, so its answer is the live set
  private applyEdgeAnswer (details: EdgeDetail[] | undefined): void {
    if (details === undefined) {
      this.edgesUnvouched()
      return
    }
    this.details = details
    const edges = details.map((e) => ({ url: e.url, draining: e.draining }))
    const wasFresh = this.edgeState.reporterFresh
    this.edgeState = applyReporterEdges(this.edgeState, edges, this.now())
    if (!wasFresh && this.edgeState.known.size > 0) this.log.info({ reporter: this.endpoints.current }, 'reporter edge view readable again, it rules the edge set')
    this.applyEdgeDecision()
    // an edge the reporter stopped listing stays (draining) only while it answers: ask it now
    if (edgesToProbe(this.edgeState, this.edgeOptions).length > 0) this.probeEdges()
  }

  private edgesUnvouched (): void {
    if (!this.edgeState.reporterFresh) return
    this.edgeState = markReporterAway(this.edgeState)
    if (this.edgeState.known.size > 0) {
      this.log.warn({ edges: [...this.edgeState.known.keys()], probing: this.edgeOptions.probe }, 'reporter edge view unreadable, keeping the last edge set' + (this.edgeOptions.probe ? ' and probing it' : ''))
    }
    this.probeEdges()
  }

  /** One probe round, unless one is still running: at most one probe per edge at a time. */
  private probeEdges (): void {
    if (this.closed) return
    this.probing ??= this.probeRound().finally(() => { this.probing = undefined })
  }

  private async probeRound (): Promise<void> {
    const targets = edgesToProbe(this.edgeState, this.edgeOptions)
    if (targets.length > 0) {
      const answers = await Promise.all(targets.map(async (url) => await this.edgeOptions.probeEdge(url).catch(() => false)))
      if (this.closed) return
      const results = new Map(targets.map((url, i) => [url, answers[i] === true]))
      for (const [url, ok] of results) {
        const before = this.edgeState.known.get(url)
        if (before !== undefined && !ok && before.failures === 0) this.log.warn({ edge: url }, 'edge probe failed')
        if (before !== undefined && ok && before.failures > 0) this.log.info({ edge: url, failures: before.failures }, 'edge probe answered again')
      }
      this.edgeState = applyProbeResults(this.edgeState, results, this.now())
    }
    // also without probes: time alone can retire a set that is no longer vouched for
    this.applyEdgeDecision()
  }

  private applyEdgeDecision (): void {
    const decision = decideEdges(this.edgeState, this.now(), this.edgeOptions)
    this.edgeState = decision.state
    if (edgeSetKey(decision.edges) === edgeSetKey(this.edgeSet)) return
    this.edgeSet = decision.edges
    this.onEdges(decision.edges)
  }
}

function edgeSetKey (edges: readonly EdgeTarget[]): string {
  return edges.map((e) => `${e.url}${e.draining ? ' draining' : ''}`).join(',')
}

export function safeJson (body: Buffer): unknown {
  try { return JSON.parse(body.toString('utf8')) } catch { return undefined }
}

function sameView (a: IngestView, b: IngestView): boolean {
  if (a.size !== b.size) return false
  for (const [signal, urls] of a) {
    const other = b.get(signal)
    if (other === undefined || other.join(',') !== urls.join(',')) return false
  }
  return true
}
