import type { AddressInfo } from 'node:net'
import { resolve } from 'node:path'
import type { Registry } from 'prom-client'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { stepFleet } from './edge-fleet.js'
import { EdgeFleetExecutor } from './edge-fleet-executor.js'
import { probeEdges } from './edge-fleet-probes.js'
import { fleetPolicy, initialFleet, type CountChange, type FleetFact, type FleetPolicy, type FleetState, type Leftover } from './edge-fleet-state.js'
import type { ReplaceOrder } from './edge-hang-detector.js'
import { EdgeHangWatch } from './edge-hang-watch.js'
import { EdgeLauncher, HAND_OVER_PROBES } from './edge-launcher.js'
import { EdgeProber } from './edge-prober.js'
import { EdgeSegmentCounter } from './edge-segment-counter.js'
import { EdgeStateDir } from './edge-state-dir.js'
import type { EdgeView } from './edge-view.js'
import type { EdgesConfig } from './edges-config.js'
import { EdgesDirLock } from './edges-dir-lock.js'
import { createEdgesMetrics } from './edges-metrics.js'
import { EdgesRoundLoop } from './edges-round-loop.js'
import { registerEdgesRoutes } from './edges-routes.js'
import { HeartbeatClient } from './heartbeat-client.js'

export type { CountChange, EdgeState } from './edge-fleet-state.js'
export type { EdgeView } from './edge-view.js'

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
 * A thin shell: it gathers facts, lets the fleet reducer (edge-fleet.ts) decide, and has the
 * executor carry the actions out. All changes to the edge set run one at a time on one queue.
 */
export class EdgesService implements Service {
  readonly #config: EdgesConfig
  readonly #log: Logger
  readonly #http: HttpApp
  readonly #dir: EdgeStateDir
  readonly #lock: EdgesDirLock
  readonly #prober: EdgeProber
  /** Hang probes and hand-over health checks, on connections of their own. */
  readonly #hangProber: EdgeProber
  readonly #hangWatch: EdgeHangWatch
  readonly #heartbeat: HeartbeatClient
  readonly #segments: EdgeSegmentCounter
  readonly #launcher: EdgeLauncher
  readonly #executor: EdgeFleetExecutor
  readonly #loop: EdgesRoundLoop
  readonly #policy: FleetPolicy
  #fleet: FleetState
  #queue: Promise<void> = Promise.resolve()
  #livenessQueued = false
  #started = false
  #closing: Promise<void> | undefined

  constructor (config: EdgesConfig, log: Logger, options: EdgesServiceOptions = {}) {
    this.#config = config
    this.#log = log
    const registry = options.metrics ?? createMetricsRegistry('edges')
    const metrics = createEdgesMetrics(registry)
    this.#http = createHttpApp({ log, metrics: registry })
    this.#dir = new EdgeStateDir(resolve(config.edgesDir))
    this.#lock = new EdgesDirLock(this.#dir, log)
    this.#policy = fleetPolicy(config, options.replaceOrder ?? 'start-first')
    this.#fleet = initialFleet(this.#policy)
    this.#prober = new EdgeProber({ timeoutMs: config.probeTimeoutMs })
    const hangPolicy = { roundMs: config.hangProbeMs, silentRounds: config.unhealthyProbes }
    this.#hangProber = new EdgeProber({ timeoutMs: hangPolicy.roundMs * (hangPolicy.silentRounds + 1), connections: HAND_OVER_PROBES })
    this.#hangWatch = new EdgeHangWatch({ policy: hangPolicy, prober: this.#hangProber, onHung: (port, silentMs) => { this.#onHung(port, silentMs) } })
    this.#heartbeat = new HeartbeatClient({
      urls: config.reporterUrls, token: config.reporterToken, log, timeoutMs: config.probeTimeoutMs, failures: metrics.heartbeatFailures
    })
    this.#segments = new EdgeSegmentCounter(this.#dir, metrics, log)
    this.#launcher = new EdgeLauncher({ config, dir: this.#dir, log, metrics, prober: this.#prober, handOverProber: this.#hangProber })
    this.#executor = new EdgeFleetExecutor({
      dir: this.#dir,
      log,
      metrics,
      launcher: this.#launcher,
      hangWatch: this.#hangWatch,
      segments: this.#segments,
      heartbeat: this.#heartbeat,
      ttlMs: config.ttlMs,
      onDeath: () => { this.#checkLiveness() },
      // at once, not queued: a drained edge's port is free to pick again as soon as it is stopped
      onDrainStopped: (port) => { void this.#run({ type: 'drain-stopped', port }) },
      isClosing: () => this.#closing !== undefined
    })
    this.#loop = new EdgesRoundLoop({ periodMs: config.heartbeatMs, round: async () => { await this.tick() }, liveness: () => { this.#checkLiveness() } })
    registerEdgesRoutes(this.#http, () => this.edges())
  }

  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    const nginx = this.#launcher.findNginx()
    await this.#dir.ensure()
    await this.#lock.claim()
    await this.#launcher.checkTemplate()
    await this.#enqueue(async () => { await this.#adoptLeftovers() })
    // /healthz answers once the edges are adopted or started, so readiness means edges are there
    await this.#http.app.listen({ host: this.#config.host, port: this.#config.port })
    this.#log.info({
      port: this.port, nginx, dir: this.#dir.root, origin: this.#config.originUrl, reporters: this.#config.reporterUrls,
      edges: this.edges().map((e) => e.url), min: this.#config.scale.min, max: this.#config.scale.max, targetRps: this.#config.scale.targetRps,
      signedUrls: this.#config.signingKey !== undefined
    }, 'started with listener')
    if (this.#config.reporterToken === undefined) this.#log.warn(`${this.#config.reporterTokenVariable} (or REPORTER_TOKEN) is not set: heartbeats go out without a bearer token`)
    this.#loop.start()
    this.#hangWatch.start()
  }

  /** The bound port of /healthz and /metrics. */
  get port (): number {
    return (this.#http.app.server.address() as AddressInfo | null)?.port ?? this.#config.port
  }

  /** Every edge the manager holds, by port. */
  edges (): EdgeView[] {
    const views: EdgeView[] = []
    for (const edge of this.#fleet.edges) {
      const process = this.#executor.process(edge.port)
      if (process === undefined) continue
      views.push({
        id: edge.id, port: edge.port, url: edge.url, state: edge.state, loadRps: edge.loadRps,
        nginxPid: process.nginxPid, watchdogPid: process.watchdogPid, adopted: process.adopted
      })
    }
    return views
  }

  /** Every change of the edge count since start. */
  get history (): readonly CountChange[] {
    return this.#executor.history
  }

  /** Runs one probe / replace / scale / heartbeat round now (queued behind any change under way). */
  async tick (): Promise<void> {
    await this.#enqueue(async () => {
      await this.#run({ type: 'deaths', dead: this.#executor.deadPorts() })
      const results = await probeEdges(this.#fleet.edges, {
        prober: this.#prober, hangWatch: this.#hangWatch, segments: this.#segments, probeTimeoutMs: this.#config.probeTimeoutMs, probeUrl: (port) => this.#launcher.probeUrl(port)
      })
      await this.#run({ type: 'probes', results })
      await this.#run({ type: 'settle' })
      await this.#run({ type: 'report' })
    })
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      this.#http.markDraining()
      this.#loop.close()
      this.#hangWatch.close()
      await this.#queue.catch(() => {})
      const stopped = await this.#executor.stopAll()
      await this.#lock.release()
      if (stopped.length > 0) this.#log.info({ edges: stopped }, 'edges stopped')
      await this.#prober.close()
      await this.#hangProber.close()
      await this.#heartbeat.close()
      await this.#http.app.close()
    })()
    await this.#closing
  }

  /**
   * Steps the reducer with one fact and carries out its actions in order. An action that reports
   * an outcome is stepped at once, before the next action, so a replacement completes first.
   */
  async #run (fact: FleetFact): Promise<void> {
    if (this.#closing !== undefined) return
    const step = stepFleet(this.#policy, this.#fleet, fact, Date.now())
    this.#fleet = step.fleet
    for (const action of step.actions) {
      const outcome = await this.#executor.carryOut(action)
      if (outcome !== undefined) await this.#run(outcome)
    }
  }

  async #adoptLeftovers (): Promise<void> {
    const found: Leftover[] = []
    for (const record of await this.#dir.readRecords()) {
      const edge = await this.#launcher.adopt(record)
      if (edge !== undefined) this.#executor.holdLeftover(edge)
      found.push({ port: record.port, id: record.id, running: edge !== undefined })
    }
    await this.#run({ type: 'leftovers', found })
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
      await this.#run({ type: 'deaths', dead: this.#executor.deadPorts() })
    }).catch(() => {})
  }

  #onHung (port: number, silentMs: number): void {
    const edge = this.#fleet.edges.find((e) => e.port === port)
    if (edge === undefined) return
    this.#log.warn({ edge: edge.id, silentMs }, 'edge hung: its health location left unanswered')
    void this.#enqueue(async () => {
      await this.#run({ type: 'stuck', port, serial: edge.serial, reason: 'hung', dead: this.#executor.deadPorts() })
    }).catch(() => {})
  }
}
