import { mkdir, readFile, writeFile } from 'node:fs/promises'
import type { AddressInfo } from 'node:net'
import { userInfo } from 'node:os'
import { join, resolve } from 'node:path'
import type { Registry } from 'prom-client'
import { isLoopbackHost } from '../config/env-readers.js'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import type { EdgeStatus } from '../reporter/report-schema.js'
import { CACHE_STATUSES, CacheLogReader } from './cache-log-reader.js'
import { EDGE_TEMPLATE_PATH, loadEdgeTemplate, renderEdgeConfig } from './edge-nginx-config.js'
import { planReplacement, type ReplaceOrder } from './edge-hang-detector.js'
import { EdgeHangWatch } from './edge-hang-watch.js'
import { EdgeProber } from './edge-prober.js'
import { EdgeProcess } from './edge-process.js'
import { decideScale, INITIAL_SCALER_STATE, type ScaleReason, type ScalerState } from './edge-scaler.js'
import { EdgeStateDir } from './edge-state-dir.js'
import type { EdgesConfig } from './edges-config.js'
import { EdgesErrors } from './edges-errors.js'
import { createEdgesMetrics, EDGE_STATES, removeEdgeSeries, type EdgesMetrics } from './edges-metrics.js'
import { HeartbeatClient } from './heartbeat-client.js'
import { requestRate, type LoadSample } from './load-meter.js'
import { resolveNginx, testNginxConfig } from './nginx-binary.js'
import { isPortFree, isProcessAlive, processStartTime, waitUntil } from './process-tools.js'

export type EdgeState = (typeof EDGE_STATES)[number]

/** What the manager knows of one edge, as tests and /edges-state callers see it. */
export interface EdgeView {
  readonly id: string
  readonly port: number
  readonly url: string
  readonly state: EdgeState
  readonly loadRps: number
  readonly nginxPid: number
  readonly watchdogPid: number
  readonly adopted: boolean
}

/** One change of the edge count, for logs, metrics and tests. */
export interface CountChange {
  readonly at: number
  readonly from: number
  readonly to: number
  readonly reason: ScaleReason | 'replace'
}

interface ManagedEdge {
  readonly id: string
  readonly port: number
  readonly url: string
  readonly probeUrl: string
  readonly process: EdgeProcess
  state: EdgeState
  failures: number
  ownRequests: number
  lastSample: LoadSample | undefined
  loadRps: number
  drainUntil: number
  readonly cacheLog: CacheLogReader
  cacheLogFailing: boolean
}

const LIVENESS_MS = 250
const START_TIMEOUT_MS = 5000
const STOP_GRACE_MS = 5000
// a replacement started beside a hung edge: health asked often, on a few connections at once with a
// short timeout, since the kernel hands each new connection to either nginx (reuseport)
const HAND_OVER_POLL_MS = 10
const HAND_OVER_PROBE_MS = 150
const HAND_OVER_PROBES = 3

export interface EdgesServiceOptions {
  readonly metrics?: Registry
  /**
   * How a hung or failing edge is replaced: 'start-first' (the default) starts the replacement on
   * the same port beside it and kills it once the replacement answers; 'kill-first' is the old
   * order, kept so tests can show the refused connections start-first avoids.
   */
  readonly replaceOrder?: ReplaceOrder
}

/**
 * Runs the nginx cache edges: writes each one's config from the template, starts it under a
 * watchdog, adopts the ones a previous manager left running, probes them, heartbeats the live
 * ones to the reporter with a load figure, replaces the dead and scales the count by load.
 * All changes to the edge set run one at a time on one queue.
 */
export class EdgesService implements Service {
  readonly #config: EdgesConfig
  readonly #log: Logger
  readonly #metrics: EdgesMetrics
  readonly #http: HttpApp
  readonly #dir: EdgeStateDir
  readonly #prober: EdgeProber
  /** Hang probes and hand-over health checks, on connections of their own. */
  readonly #hangProber: EdgeProber
  readonly #hangWatch: EdgeHangWatch
  readonly #replaceOrder: ReplaceOrder
  readonly #heartbeat: HeartbeatClient
  readonly #edges = new Map<number, ManagedEdge>()
  readonly #stopping = new Set<Promise<void>>()
  // ports whose edge is stopping in the background and may still hold the socket
  readonly #reserved = new Set<number>()
  /** Ports whose dead master's worker still serves while the replacement binds beside it (reuseport). */
  readonly #handedOver = new Set<number>()
  readonly #history: CountChange[] = []
  #nginxPath = ''
  #template = ''
  #desired: number
  #scaler: ScalerState = INITIAL_SCALER_STATE
  #queue: Promise<void> = Promise.resolve()
  #tickTimer: NodeJS.Timeout | undefined
  #livenessTimer: NodeJS.Timeout | undefined
  #aliveTimer: NodeJS.Timeout | undefined
  #lastTickAt = 0
  #livenessQueued = false
  #claimed = false
  #started = false
  #closing: Promise<void> | undefined

  constructor (config: EdgesConfig, log: Logger, options: EdgesServiceOptions = {}) {
    this.#config = config
    this.#log = log
    const registry = options.metrics ?? createMetricsRegistry('edges')
    this.#metrics = createEdgesMetrics(registry)
    this.#http = createHttpApp({ log, metrics: registry })
    this.#dir = new EdgeStateDir(resolve(config.edgesDir))
    this.#prober = new EdgeProber({ timeoutMs: config.probeTimeoutMs })
    this.#replaceOrder = options.replaceOrder ?? 'start-first'
    const hangPolicy = { roundMs: config.hangProbeMs, silentRounds: config.unhealthyProbes }
    this.#hangProber = new EdgeProber({ timeoutMs: hangPolicy.roundMs * (hangPolicy.silentRounds + 1), connections: HAND_OVER_PROBES })
    this.#hangWatch = new EdgeHangWatch({
      policy: hangPolicy,
      prober: this.#hangProber,
      onHung: (port, silentMs) => {
        const edge = this.#edges.get(port)
        if (edge === undefined) return
        this.#log.warn({ edge: edge.id, silentMs }, 'edge hung: its health location left unanswered')
        void this.#enqueue(async () => { await this.#replaceStuck(edge, 'hung') }).catch(() => {})
      }
    })
    this.#heartbeat = new HeartbeatClient({
      url: config.reporterUrl, token: config.reporterToken, log, timeoutMs: config.probeTimeoutMs, failures: this.#metrics.heartbeatFailures
    })
    this.#desired = config.scale.min
    this.#http.app.get('/edges', async () => this.edges())
  }

  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    this.#nginxPath = resolveNginx(this.#config.nginxPath)
    await this.#dir.ensure()
    await this.#claimDir()
    // first thing once the folder is ours: watchdogs of edges left by a killed manager are counting
    await this.#dir.touchAlive()
    this.#aliveTimer = setInterval(() => { this.#dir.touchAlive().catch((err: unknown) => this.#log.error({ err }, 'cannot touch manager.alive')) }, 1000)
    this.#template = await loadEdgeTemplate()
    await this.#checkTemplate()
    await this.#enqueue(async () => {
      await this.#adoptLeftovers()
      await this.#reconcile()
    })
    // /healthz answers once the edges are adopted or started, so readiness means edges are there
    await this.#http.app.listen({ host: this.#config.host, port: this.#config.port })
    this.#log.info({
      port: this.port, nginx: this.#nginxPath, dir: this.#dir.root, origin: this.#config.originUrl, reporter: this.#config.reporterUrl,
      edges: this.edges().map((e) => e.url), min: this.#config.scale.min, max: this.#config.scale.max, targetRps: this.#config.scale.targetRps,
      signedUrls: this.#config.signingKey !== undefined
    }, 'started with listener')
    if (this.#config.reporterToken === undefined) this.#log.warn(`${this.#config.reporterTokenVariable} (or REPORTER_TOKEN) is not set: heartbeats go out without a bearer token`)
    // the first round runs at once: after a manager restart the adopted edges' heartbeats must
    // resume before their TTL runs out, or the origin moves their segments under the players
    this.#lastTickAt = Date.now() - this.#config.heartbeatMs
    this.#scheduleTick()
    this.#livenessTimer = setInterval(() => { this.#checkLiveness() }, LIVENESS_MS)
    this.#hangWatch.start()
  }

  /** The bound port of /healthz and /metrics. */
  get port (): number {
    return (this.#http.app.server.address() as AddressInfo | null)?.port ?? this.#config.port
  }

  /** Every edge the manager holds, by port. */
  edges (): EdgeView[] {
    return [...this.#edges.values()].sort((a, b) => a.port - b.port).map((e) => ({
      id: e.id,
      port: e.port,
      url: e.url,
      state: e.state,
      loadRps: e.loadRps,
      nginxPid: e.process.nginxPid,
      watchdogPid: e.process.watchdogPid,
      adopted: e.process.adopted
    }))
  }

  /** Every change of the edge count since start. */
  get history (): readonly CountChange[] {
    return this.#history
  }

  /** Runs one probe / replace / scale / heartbeat round now (queued behind any change under way). */
  async tick (): Promise<void> {
    await this.#enqueue(async () => { await this.#tick() })
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      this.#http.markDraining()
      clearTimeout(this.#tickTimer)
      clearInterval(this.#livenessTimer)
      this.#hangWatch.close()
      await this.#queue.catch(() => {})
      const edges = [...this.#edges.values()]
      this.#edges.clear()
      await Promise.all(edges.map(async (edge) => {
        await edge.process.stop(STOP_GRACE_MS)
        await this.#dir.forget(edge.port, true)
        removeEdgeSeries(this.#metrics, edge.id)
      }))
      await Promise.all([...this.#stopping])
      clearInterval(this.#aliveTimer)
      if (this.#claimed) await this.#dir.removeManagerFiles()
      if (edges.length > 0) this.#log.info({ edges: edges.map((e) => e.id) }, 'edges stopped')
      await this.#prober.close()
      await this.#hangProber.close()
      await this.#heartbeat.close()
      await this.#http.app.close()
    })()
    await this.#closing
  }

  async #enqueue (work: () => Promise<void>): Promise<void> {
    const run = this.#queue.then(async () => {
      if (this.#closing !== undefined) return
      await work()
    })
    this.#queue = run.catch((err: unknown) => { this.#log.error({ err }, 'edge management step failed') })
    await run
  }

  // at most one liveness check waits on the queue: a slow round must not pile them up
  #checkLiveness (): void {
    if (this.#livenessQueued) return
    this.#livenessQueued = true
    void this.#enqueue(async () => {
      this.#livenessQueued = false
      await this.#replaceDead()
    }).catch(() => {})
  }

  #scheduleTick (): void {
    if (this.#closing !== undefined) return
    const delay = Math.max(0, this.#lastTickAt + this.#config.heartbeatMs - Date.now())
    this.#tickTimer = setTimeout(() => {
      this.#lastTickAt = Date.now()
      this.tick()
        .catch(() => {})
        .finally(() => { this.#scheduleTick() })
    }, delay)
  }

  // one manager per folder: two would start, adopt and kill each other's edges
  async #claimDir (): Promise<void> {
    const other = await this.#dir.readManager()
    // a killed manager's pid may name another process by now: the start time tells them apart
    if (other !== undefined && isProcessAlive(other.pid) &&
        (other.startTime === undefined || other.startTime === processStartTime(other.pid))) {
      throw new EdgesErrors.ALREADY_RUNNING(this.#dir.root, other.pid)
    }
    await this.#dir.writeManager(process.pid, processStartTime(process.pid))
    this.#claimed = true
  }

  // a bad template or an nginx without stub_status stops the start with nginx's own words
  async #checkTemplate (): Promise<void> {
    const prefix = join(this.#dir.root, 'config-check')
    await mkdir(join(prefix, 'tmp'), { recursive: true })
    await mkdir(join(prefix, 'cache'), { recursive: true })
    const path = join(prefix, 'nginx.conf')
    await writeFile(path, renderEdgeConfig(this.#template, { ...this.#nginxParams(this.#config.basePort), prefix }))
    await testNginxConfig(this.#nginxPath, prefix, path, EDGE_TEMPLATE_PATH)
  }

  #nginxParams (port: number): Parameters<typeof renderEdgeConfig>[1] {
    return {
      id: this.#edgeId(port),
      port,
      listenHost: this.#config.host,
      prefix: this.#dir.prefix(port),
      originUrl: this.#config.originUrl,
      originBackups: this.#config.originBackups,
      cacheMaxSize: this.#config.cacheMaxSize,
      segmentCacheValid: this.#config.segmentCacheValid,
      runAsUser: process.getuid?.() === 0 ? userInfo().username : undefined,
      signingKey: this.#config.signingKey
    }
  }

  // ids must not collide at the reporter when managers on several hosts use the same ports
  #edgeId (port: number): string {
    const host = this.#config.publicHost
    return isLoopbackHost(host) ? `edge-${port}` : `edge-${host.replace(/[^A-Za-z0-9.-]/g, '-')}-${port}`.slice(0, 64)
  }

  #probeUrl (port: number): string {
    const host = this.#config.host === '0.0.0.0' ? '127.0.0.1' : this.#config.host === '::' ? '::1' : this.#config.host
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  }

  #publicUrl (port: number): string {
    const host = this.#config.publicHost
    return `http://${host.includes(':') ? `[${host}]` : host}:${port}`
  }

  async #adoptLeftovers (): Promise<void> {
    for (const record of await this.#dir.readRecords()) {
      const probeUrl = this.#probeUrl(record.port)
      const inRange = record.port >= this.#config.basePort && record.port < this.#config.basePort + this.#config.portSpan
      const edge = await EdgeProcess.adopt(record, this.#dir, async () => await this.#prober.health(probeUrl))
      if (edge === undefined || !inRange || record.id !== this.#edgeId(record.port)) {
        if (edge !== undefined) this.#track(edge.stop(STOP_GRACE_MS))
        this.#log.info({ edge: record.id, port: record.port }, 'left-over edge not adopted (gone, unhealthy or outside the configured range)')
        await this.#dir.forget(record.port, edge === undefined)
        continue
      }
      // settings may have changed while no manager ran: rewrite the config and let nginx reload it in place
      const config = renderEdgeConfig(this.#template, this.#nginxParams(record.port))
      const current = await readFile(this.#dir.configPath(record.port), 'utf8').catch(() => '')
      if (current !== config) {
        await writeFile(this.#dir.configPath(record.port), config)
        edge.reload()
        this.#log.info({ edge: record.id }, 'adopted edge config rewritten and reloaded')
      }
      this.#add(edge, probeUrl)
      this.#metrics.adopted.inc()
      this.#log.info({ edge: record.id, url: this.#publicUrl(record.port), nginxPid: edge.nginxPid }, 'edge adopted from a previous manager')
    }
    const active = this.#active().length
    if (active > this.#desired) this.#desired = Math.min(active, this.#config.scale.max)
  }

  #add (edgeProcess: EdgeProcess, probeUrl: string): ManagedEdge {
    const edge: ManagedEdge = {
      id: edgeProcess.id,
      port: edgeProcess.port,
      url: this.#publicUrl(edgeProcess.port),
      probeUrl,
      process: edgeProcess,
      state: 'live',
      failures: 0,
      ownRequests: 0,
      lastSample: undefined,
      loadRps: 0,
      drainUntil: 0,
      // an adopted edge's log was counted by the manager before us, up to a round ago
      cacheLog: new CacheLogReader(this.#dir.cacheLogPath(edgeProcess.port), { skipExisting: edgeProcess.adopted }),
      cacheLogFailing: false
    }
    this.#edges.set(edgeProcess.port, edge)
    this.#hangWatch.watch(edgeProcess.port, probeUrl)
    edgeProcess.onDeath(() => { this.#checkLiveness() })
    return edge
  }

  #active (): ManagedEdge[] {
    return [...this.#edges.values()].filter((e) => e.state !== 'draining')
  }

  /** Brings the number of non-draining edges to #desired: revive draining ones, start new ones, or drain the newest. */
  async #reconcile (preferredPorts: readonly number[] = []): Promise<void> {
    let active = this.#active()
    const draining = [...this.#edges.values()].filter((e) => e.state === 'draining').sort((a, b) => a.port - b.port)
    while (active.length < this.#desired && draining.length > 0) {
      const edge = draining.shift() as ManagedEdge
      edge.state = 'live'
      edge.drainUntil = 0
      this.#log.info({ edge: edge.id }, 'draining edge taken back into service')
      active = this.#active()
    }
    const missing = this.#desired - active.length
    if (missing > 0) {
      const ports = await this.#pickPorts(missing, preferredPorts)
      const started = await Promise.all(ports.map(async (port) => await this.#launch(port)))
      if (started.some((ok) => !ok) || ports.length < missing) {
        this.#log.warn({ wanted: this.#desired, running: this.#active().length }, 'could not start every edge wanted; retrying next round')
      }
    }
    while (this.#active().length > this.#desired) {
      const edge = this.#active().sort((a, b) => b.port - a.port)[0] as ManagedEdge
      edge.state = 'draining'
      edge.drainUntil = Date.now() + this.#config.drainMs
      this.#log.info({ edge: edge.id, drainMs: this.#config.drainMs }, 'edge draining: announced as draining (no new segments), stopped after the drain time')
    }
  }

  async #pickPorts (count: number, preferred: readonly number[]): Promise<number[]> {
    const { basePort, portSpan } = this.#config
    const candidates = [...preferred]
    for (let port = basePort; port < basePort + portSpan; port++) candidates.push(port)
    const picked: number[] = []
    for (const port of new Set(candidates)) {
      if (picked.length === count) break
      if (this.#edges.has(port) || this.#reserved.has(port)) continue
      // a replaced edge's own port is still held by its dead master's worker during the hand-over;
      // nginx binds it anyway (reuseport), so the edge keeps its URL and the edge set does not change
      if (this.#handedOver.delete(port) || await isPortFree(this.#config.host, port)) picked.push(port)
    }
    if (picked.length < count) this.#log.error({ err: new EdgesErrors.NO_PORT(basePort, basePort + portSpan - 1) }, 'edge ports exhausted')
    return picked
  }

  async #launch (port: number): Promise<boolean> {
    const edge = await this.#startProcess(port, false)
    if (edge === undefined) return false
    if (this.#closing !== undefined) {
      await edge.stop(STOP_GRACE_MS)
      return false
    }
    this.#add(edge, this.#probeUrl(port))
    this.#log.info({ edge: edge.id, url: this.#publicUrl(port), nginxPid: edge.nginxPid }, 'edge started')
    return true
  }

  /** Writes the edge's config and starts its nginx; undefined (logged, counted) when it does not become healthy. */
  async #startProcess (port: number, handOver: boolean): Promise<EdgeProcess | undefined> {
    const id = this.#edgeId(port)
    const probeUrl = this.#probeUrl(port)
    try {
      await this.#dir.preparePrefix(port)
      await writeFile(this.#dir.configPath(port), renderEdgeConfig(this.#template, this.#nginxParams(port)))
      return await EdgeProcess.launch({
        id,
        port,
        dir: this.#dir,
        nginxPath: this.#nginxPath,
        graceSeconds: Math.ceil(this.#config.orphanGraceMs / 1000),
        isHealthy: handOver
          ? async () => await firstTrue(Array.from({ length: HAND_OVER_PROBES }, async () => await this.#hangProber.health(probeUrl, HAND_OVER_PROBE_MS)))
          : async () => await this.#prober.health(probeUrl),
        startTimeoutMs: START_TIMEOUT_MS,
        ...(handOver ? { pollMs: HAND_OVER_POLL_MS } : {})
      })
    } catch (err) {
      this.#metrics.startFailures.inc()
      this.#log.error({ err, edge: id }, 'edge start failed')
      return undefined
    }
  }

  /**
   * Replaces an edge whose nginx runs but is hung or fails its probes. By default the replacement
   * starts beside it on the same port (reuseport) and the old group is killed the moment the
   * replacement answers, so a URL still in the playlists never refuses a connection.
   */
  async #replaceStuck (edge: ManagedEdge, reason: 'hung' | 'unhealthy'): Promise<void> {
    // replaced, drained or dead since it was judged: whoever took it from the map dealt with it
    if (this.#edges.get(edge.port) !== edge) return
    const plan = planReplacement(this.#replaceOrder, { draining: edge.state === 'draining', running: edge.process.running })
    if (plan === 'replace-dead') {
      await this.#replaceDead()
      return
    }
    if (plan !== 'start-beside') {
      await this.#replace([edge], reason)
      return
    }
    const startedAt = Date.now()
    const before = this.#active().length
    this.#hangWatch.unwatch(edge.port)
    // the hung master's pid file goes, so the launch waits for the replacement's own master
    await this.#dir.forget(edge.port, true)
    const replacement = await this.#startProcess(edge.port, true)
    // at once: until the hung nginx is gone the kernel hands it a share of the new connections
    edge.process.kill()
    // the edge counts as replaced once the hung group has exited and closed its socket
    await waitUntil(() => edge.process.gone, 1000, 5)
    this.#edges.delete(edge.port)
    removeEdgeSeries(this.#metrics, edge.id)
    this.#metrics.replacements.inc({ reason })
    if (this.#closing !== undefined) {
      await replacement?.stop(STOP_GRACE_MS)
      return
    }
    if (replacement === undefined) {
      this.#log.warn({ edge: edge.id, reason }, 'replacement beside the stuck edge did not start; edge killed, starting it anew')
      await this.#reconcile([edge.port])
      this.#record(before, 'replace')
      this.#updateGauges()
      return
    }
    this.#add(replacement, edge.probeUrl)
    this.#log.warn({
      edge: edge.id, reason, nginxPid: replacement.nginxPid, oldNginxPid: edge.process.nginxPid, handOverMs: Date.now() - startedAt
    }, 'stuck edge replaced: its replacement answered on the same port before it was killed')
    this.#updateGauges()
  }

  /** Replaces every edge whose nginx or watchdog is gone, on the same port when it is free. */
  async #replaceDead (): Promise<void> {
    const dead = [...this.#edges.values()].filter((e) => !e.process.running)
    if (dead.length === 0) return
    await this.#replace(dead, 'exited')
  }

  async #replace (edges: readonly ManagedEdge[], reason: 'exited' | 'unhealthy' | 'hung'): Promise<void> {
    const before = this.#active().length
    const ports: number[] = []
    for (const edge of edges) {
      this.#edges.delete(edge.port)
      this.#hangWatch.unwatch(edge.port)
      // a hung nginx is killed; a dead master's worker is left to its watchdog's hand-over, so a
      // URL still in the playlists never refuses a connection while the replacement starts
      const handOver = reason === 'exited'
      if (handOver) edge.process.release()
      else edge.process.kill()
      if (handOver) this.#handedOver.add(edge.port)
      removeEdgeSeries(this.#metrics, edge.id)
      // a draining edge that dies is not replaced: it was on its way out
      if (edge.state !== 'draining') {
        ports.push(edge.port)
        this.#metrics.replacements.inc({ reason })
      }
      this.#log.warn({ edge: edge.id, reason, state: edge.state }, edge.state === 'draining' ? 'draining edge died' : 'edge died, replacing it')
      // the same port keeps the edge's id, URL and (on disk) cache
      await this.#dir.forget(edge.port, true)
    }
    await this.#reconcile(ports)
    this.#record(before, 'replace')
    this.#updateGauges()
  }

  async #tick (): Promise<void> {
    await this.#replaceDead()
    await Promise.all([...this.#edges.values()].map(async (edge) => {
      await this.#probe(edge)
      await this.#countSegments(edge)
    }))
    const unhealthy = [...this.#edges.values()].filter((e) => e.failures >= this.#config.unhealthyProbes)
    for (const edge of unhealthy) await this.#replaceStuck(edge, 'unhealthy')
    this.#finishDrains()
    this.#scale()
    await this.#reconcile()
    this.#updateGauges()
    await this.#sendHeartbeat()
  }

  async #probe (edge: ManagedEdge): Promise<void> {
    edge.ownRequests += this.#hangWatch.takeSent(edge.port)
    // the hang watch has awaited an answer for longer than this probe would: asking again would
    // only hold the round (and the queue a hang replacement waits on) for its whole timeout
    const silent = this.#hangWatch.silentMs(edge.port) >= this.#config.probeTimeoutMs
    const result = silent ? { healthy: false, status: undefined, requests: 0 } : await this.#prober.probe(edge.probeUrl)
    edge.ownRequests += result.requests
    if (!result.healthy) {
      edge.failures++
      if (edge.state === 'live') {
        edge.state = 'unhealthy'
        this.#log.warn({ edge: edge.id }, 'edge failed its health probe: out of the heartbeat')
      }
      return
    }
    if (edge.state === 'unhealthy') {
      edge.state = 'live'
      this.#log.info({ edge: edge.id, failures: edge.failures }, 'edge healthy again')
    }
    edge.failures = 0
    if (result.status === undefined) return
    const sample: LoadSample = { at: Date.now(), requests: result.status.requests, ownRequests: edge.ownRequests }
    const rate = edge.lastSample === undefined ? undefined : requestRate(edge.lastSample, sample)
    edge.lastSample = sample
    if (rate !== undefined) edge.loadRps = Math.round(rate * 10) / 10
  }

  /** Adds what the edge's cache.log gained since the last round to edges_segments_served_total. */
  async #countSegments (edge: ManagedEdge): Promise<void> {
    try {
      const counts = await edge.cacheLog.read()
      if (edge.cacheLogFailing) this.#log.info({ edge: edge.id }, 'edge cache.log readable again')
      edge.cacheLogFailing = false
      // no series for an edge forgotten while we read (close() waits for the round, but cheap to be sure)
      if (this.#edges.get(edge.port) !== edge) return
      // inc by 0 too: every status has a series from the first round, so rate() sees 0, not absence
      for (const cache of CACHE_STATUSES) this.#metrics.segmentsServed.inc({ edge: edge.id, cache }, counts[cache])
    } catch (err) {
      if (!edge.cacheLogFailing) this.#log.warn({ err, edge: edge.id, path: edge.cacheLog.path }, 'cannot read edge cache.log: its segment counts stand still')
      edge.cacheLogFailing = true
    }
  }

  #finishDrains (): void {
    const now = Date.now()
    for (const edge of [...this.#edges.values()]) {
      if (edge.state !== 'draining' || now < edge.drainUntil) continue
      this.#edges.delete(edge.port)
      this.#hangWatch.unwatch(edge.port)
      this.#reserved.add(edge.port)
      removeEdgeSeries(this.#metrics, edge.id)
      this.#track((async () => {
        await edge.process.stop(STOP_GRACE_MS)
        await this.#dir.forget(edge.port, false)
        this.#reserved.delete(edge.port)
        this.#log.info({ edge: edge.id }, 'drained edge stopped')
      })())
    }
  }

  #scale (): void {
    const active = this.#active()
    const totalRps = [...this.#edges.values()].reduce((sum, e) => sum + e.loadRps, 0)
    const decision = decideScale(this.#config.scale, this.#scaler, { now: Date.now(), count: active.length, totalRps })
    this.#scaler = decision.state
    if (decision.desired === active.length && decision.desired === this.#desired) return
    if (decision.reason === 'load-high' || decision.reason === 'load-low') {
      const direction = decision.desired > active.length ? 'up' : 'down'
      this.#metrics.scaleEvents.inc({ direction })
      this.#log.info({ from: active.length, to: decision.desired, totalRps: Math.round(totalRps), targetRps: this.#config.scale.targetRps }, `scaling ${direction}`)
      this.#history.push({ at: Date.now(), from: active.length, to: decision.desired, reason: decision.reason })
    }
    this.#desired = decision.desired
  }

  #record (before: number, reason: 'replace'): void {
    const after = this.#active().length
    if (after !== before) this.#history.push({ at: Date.now(), from: before, to: after, reason })
  }

  async #sendHeartbeat (): Promise<void> {
    // a draining edge is still announced: the segments already listed on it must stay fetchable
    const live: EdgeStatus[] = [...this.#edges.values()]
      .filter((e) => e.state === 'live' || e.state === 'draining')
      .map((e) => ({ id: e.id, url: e.url, load_rps: e.loadRps, ...(e.state === 'draining' ? { draining: true } : {}) }))
    if (live.length === 0) return
    await this.#heartbeat.send(live, this.#config.ttlMs)
  }

  #updateGauges (): void {
    const edges = [...this.#edges.values()]
    this.#metrics.count.set(this.#active().length)
    this.#metrics.desired.set(this.#desired)
    for (const state of EDGE_STATES) this.#metrics.byState.set({ state }, edges.filter((e) => e.state === state).length)
    for (const edge of edges) this.#metrics.loadRps.set({ edge: edge.id }, edge.loadRps)
  }

  #track (work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => { this.#log.error({ err }, 'stopping an edge failed') }).finally(() => this.#stopping.delete(tracked))
    this.#stopping.add(tracked)
  }
}

/** True as soon as one of `checks` resolves true; false once all resolved false. */
async function firstTrue (checks: ReadonlyArray<Promise<boolean>>): Promise<boolean> {
  return await new Promise((resolve) => {
    let pending = checks.length
    if (pending === 0) resolve(false)
    for (const check of checks) {
      void check.then((ok) => {
        pending--
        if (ok) resolve(true)
        else if (pending === 0) resolve(false)
      }, () => { if (--pending === 0) resolve(false) })
    }
  })
}
