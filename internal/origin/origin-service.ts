import type { Logger } from '../log/logger.js'
import type { Service } from '../lifecycle/service.js'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import { PlaybackGuard } from '../auth/playback-guard.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { DEFAULT_PARSE_LIMITS } from '../hls/playlist-parser.js'
import { DEFAULT_HEALTH_OPTIONS } from '../hls/source-health.js'
import { DEFAULT_TIMELINE_OPTIONS } from '../hls/timeline-state.js'
import type { OriginConfig } from './origin-config.js'
import { createOriginMetrics, type OriginMetrics } from './origin-metrics.js'
import { registerOriginRoutes } from './origin-routes.js'
import { ReporterView } from './reporter-view.js'
import { failoverStrategyFor } from './failover-strategy.js'
import { EdgeHealthProbe } from './edge-health-probe.js'
import { SegmentFetcher } from './segment-fetcher.js'
import { SessionRegistry } from './session-registry.js'
import { UpstreamClient } from './upstream-client.js'
import { formatAllowlist } from '../config/url-allowlist.js'
import { buildStatus, type StatusSnapshot } from './status-model.js'
import { registerStatusRoutes } from './status-routes.js'
import { FleetWorkersView } from './fleet-workers.js'

/** The origin: what players open. Wires the reporter view, per-signal sessions and the routes. */
export class OriginService implements Service {
  readonly http: HttpApp
  readonly registry: SessionRegistry
  private readonly playlistClient: UpstreamClient
  private readonly segmentClient: UpstreamClient
  /** Reads the reporter with its own cap: its largest answer is larger than any playlist. */
  private readonly reporterClient: UpstreamClient
  private readonly reporter: ReporterView
  /** The fleet's workers, for the status page only. */
  private readonly fleet: FleetWorkersView
  private readonly metrics: OriginMetrics
  private readonly edgeProbe: EdgeHealthProbe
  private closing: Promise<void> | undefined

  constructor (private readonly config: OriginConfig, private readonly log: Logger) {
    const registry = createMetricsRegistry('origin')
    this.metrics = createOriginMetrics(registry)
    this.http = createHttpApp({ log, metrics: registry })
    const limits = { connectTimeoutMs: config.upstreamConnectTimeoutMs, headersTimeoutMs: config.upstreamTimeoutMs, bodyTimeoutMs: config.upstreamTimeoutMs }
    this.playlistClient = new UpstreamClient({ ...limits, maxBodyBytes: config.maxPlaylistBytes })
    this.segmentClient = new UpstreamClient({ ...limits, bodyTimeoutMs: Math.max(config.upstreamTimeoutMs, 5000), maxBodyBytes: config.maxSegmentBytes })
    this.reporterClient = new UpstreamClient({ ...limits, maxBodyBytes: config.reporterMaxAnswerBytes })
    this.registry = new SessionRegistry({
      session: {
        sources: config.packagerAllowlist,
        timeline: { ...DEFAULT_TIMELINE_OPTIONS, windowSize: config.windowSegments },
        health: DEFAULT_HEALTH_OPTIONS,
        recoveryHoldMs: config.recoveryHoldMs,
        parseLimits: { ...DEFAULT_PARSE_LIMITS, maxBytes: config.maxPlaylistBytes, cmaf: true },
        tickMs: 250,
        maxPlaylistAgeMs: config.maxPlaylistAgeMs,
        failover: failoverStrategyFor(config),
        ...(config.pathways === undefined ? {} : { pathways: config.pathways })
      },
      maxSignals: 64,
      idleMs: 60_000,
      edgeLoads: () => new Map(this.reporter.edgeDetails.map((e) => [e.url, e.loadRps]))
    }, this.playlistClient, this.metrics, log)
    this.edgeProbe = new EdgeHealthProbe({ timeoutMs: config.edgeProbeTimeoutMs })
    this.reporter = new ReporterView(
      {
        reporterUrls: config.reporterUrls,
        allowlist: config.packagerAllowlist,
        edgeAllowlist: config.edgeAllowlist,
        pollMs: config.reporterPollMs,
        edges: {
          probe: config.edgeProbe,
          failuresToDrop: config.edgeProbeFailures,
          maxStaleMs: config.edgeViewMaxStaleMs,
          unlistedGraceMs: config.edgeUnlistedGraceMs,
          probeEdge: async (url) => await this.edgeProbe.healthy(url)
        }
      },
      this.reporterClient,
      log,
      (view) => this.registry.applyView(view),
      (reachable) => this.registry.setReporterReachable(reachable),
      (edges) => this.registry.setEdges(edges)
    )
    this.fleet = new FleetWorkersView({ reporterUrls: config.reporterUrls, pollMs: config.reporterPollMs }, this.reporterClient, log)
    const fetcher = new SegmentFetcher(this.segmentClient, config.segmentCacheBytes, {
      onAttemptFailed: (base, failure) => {
        this.metrics.upstreamFetches.inc({ packager: base, kind: 'segment', result: failure })
        log.warn({ packager: base, failure }, 'segment fetch failed, trying the next packager')
      }
    })
    registerOriginRoutes(this.http.app, {
      registry: this.registry,
      fetcher,
      metrics: this.metrics,
      firstOutputWaitMs: 5000,
      // a fresh stream needs 2 more segments after its first one: held rather than refused
      startingHoldMs: 5000,
      edgePlan: () => this.registry.edgePlan(),
      ...(config.pathways === undefined ? {} : { pathways: config.pathways }),
      ...(config.signingKey === undefined ? {} : { guard: new PlaybackGuard(config.signingKey) })
    })
    if (config.statusPage) registerStatusRoutes(this.http.app, { snapshot: () => this.status() })
  }

  /** What the operator status page shows, as of now. */
  status (): StatusSnapshot {
    return buildStatus({
      now: Date.now(),
      signals: this.registry.all().map((s) => s.status()),
      edges: this.reporter.edgeDetails,
      edgesInUse: this.registry.edgeUrls,
      reporterReachable: this.reporter.isReachable,
      failovers: this.registry.failovers.recent(),
      workers: this.fleet.workers,
      pushes: this.fleet.pushes
    })
  }

  async start (): Promise<void> {
    this.registry.start()
    this.reporter.start()
    if (this.config.statusPage) this.fleet.start()
    const address = await this.http.app.listen({ port: this.config.port, host: this.config.host })
    if (this.config.testOnlyNoFailover) this.log.warn({ packager: this.config.packagerAllowlist[0] }, 'ORIGIN_TEST_ONLY_NO_FAILOVER is set: failover is off, faults reach players (tests only)')
    this.log.info({ address, allowlist: this.config.packagerAllowlist, edgeAllowlist: formatAllowlist(this.config.edgeAllowlist), reporters: this.config.reporterUrls, signedUrls: this.config.signingKey !== undefined }, 'origin started')
  }

  get port (): number {
    const address = this.http.app.server.address()
    return typeof address === 'object' && address !== null ? address.port : 0
  }

  async close (): Promise<void> {
    this.closing ??= (async () => {
      this.http.markDraining()
      await this.reporter.close()
      await this.fleet.close()
      await this.registry.close()
      await this.http.app.close()
      await Promise.all([this.playlistClient.close(), this.segmentClient.close(), this.reporterClient.close(), this.edgeProbe.close()])
    })()
    await this.closing
  }
}
