import type { AddressInfo } from 'node:net'
import type { Registry } from 'prom-client'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import type { IngestReport, PackagerStatus } from '../reporter/report-schema.js'
import type { DiscoveryConfig } from './discovery-config.js'
import { createDiscoveryMetrics, type DiscoveryMetrics } from './discovery-metrics.js'
import { FleetPackagerView } from './fleet-packagers.js'
import { PackagerProber } from './packager-probe.js'
import { packagerStatus } from './packager-status.js'
import { metricReasonFor } from './probe-reason.js'
import { ProgressTracker, type Progress } from './progress-tracker.js'
import { ReporterClient } from './reporter-client.js'
import { SignalScanner } from './signal-scanner.js'

export interface DiscoveryOptions {
  readonly now?: () => number
  readonly metrics?: Registry
}

/** What one cycle found; the reports it tried to send, whether or not the reporter took them. */
export interface CycleResult {
  readonly signals: readonly string[]
  readonly reports: readonly IngestReport[]
}

/**
 * Every DISCOVERY_RUN_FREQUENCY: which signals are live on disk, which packagers serve each of
 * them healthily, and a report per signal to the reporter. Cycles never overlap: the next one is
 * scheduled when the previous one ends.
 */
export class DiscoveryService implements Service {
  readonly #config: DiscoveryConfig
  readonly #log: Logger
  readonly #now: () => number
  readonly #metrics: DiscoveryMetrics
  readonly #http: HttpApp
  readonly #scanner: SignalScanner
  readonly #prober: PackagerProber
  readonly #client: ReporterClient
  readonly #fleet: FleetPackagerView
  readonly #tracker = new ProgressTracker()
  readonly #lastHealth = new Map<string, string>()
  #liveSignals: readonly string[] = []
  #timer: NodeJS.Timeout | undefined
  #running: Promise<CycleResult> | undefined
  #cycles = 0
  #started = false
  #closing: Promise<void> | undefined

  constructor (config: DiscoveryConfig, log: Logger, options: DiscoveryOptions = {}) {
    this.#config = config
    this.#log = log
    this.#now = options.now ?? Date.now
    const registry = options.metrics ?? createMetricsRegistry('discovery')
    this.#metrics = createDiscoveryMetrics(registry)
    this.#http = createHttpApp({ log, metrics: registry })
    this.#scanner = new SignalScanner(config.outputPath, log)
    this.#prober = new PackagerProber({ timeoutMs: config.probeTimeoutMs })
    this.#fleet = new FleetPackagerView(config.reporterUrls, config.probeTimeoutMs, log)
    this.#client = new ReporterClient({
      urls: config.reporterUrls, token: config.reporterToken, log, now: this.#now, failures: this.#metrics.reporterFailures
    })
  }

  async start (): Promise<void> {
    if (this.#started) return
    this.#started = true
    await this.#scanner.start()
    await this.#http.app.listen({ host: this.#config.host, port: this.#config.port })
    this.#log.info({
      port: this.port, output: this.#config.outputPath, packagers: this.#config.packagerUrls,
      reporters: this.#config.reporterUrls, everyMs: this.#config.runFrequencyMs
    }, 'started with listener')
    if (this.#config.reporterToken === undefined) this.#log.warn(`${this.#config.reporterTokenVariable} (or REPORTER_TOKEN) is not set: reports go out without a bearer token`)
    this.#schedule(0)
  }

  /** Runs one cycle now, or joins the one already running. */
  async runCycle (): Promise<CycleResult> {
    this.#running ??= this.#cycle().finally(() => { this.#running = undefined })
    return await this.#running
  }

  get cycles (): number {
    return this.#cycles
  }

  get port (): number {
    return (this.#http.app.server.address() as AddressInfo | null)?.port ?? this.#config.port
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      this.#http.markDraining()
      clearTimeout(this.#timer)
      this.#timer = undefined
      await this.#running?.catch(() => {})
      await this.#scanner.close()
      await this.#prober.close()
      await this.#client.close()
      await this.#fleet.close()
      await this.#http.app.close()
    })()
    await this.#closing
  }

  #schedule (delayMs: number): void {
    if (this.#closing !== undefined) return
    this.#timer = setTimeout(() => {
      const startedAt = this.#now()
      this.runCycle()
        .catch((err: unknown) => { this.#log.error({ err }, 'discovery cycle failed') })
        .finally(() => { this.#schedule(Math.max(0, this.#config.runFrequencyMs - (this.#now() - startedAt))) })
    }, delayMs)
  }

  async #cycle (): Promise<CycleResult> {
    const endTimer = this.#metrics.cycleSeconds.startTimer()
    const [onDisk, fleet] = await Promise.all([this.#scanner.scan(this.#now(), this.#config.maxPlaylistAgeMs), this.#fleet.read()])
    // signals written on this host, probed on PACKAGER_URLS; and streams the assigner placed, probed on their workers' packagers
    const targets = new Map<string, string[]>(onDisk.map((signal) => [signal, [...this.#config.packagerUrls]]))
    for (const [signal, urls] of fleet) targets.set(signal, [...new Set([...(targets.get(signal) ?? []), ...urls])])
    const signals = [...targets.keys()].sort()
    this.#metrics.liveSignals.set(signals.length)
    this.#logSignals(onDisk)
    const health = new Map<string, Promise<string | undefined>>()
    for (const url of new Set([...targets.values()].flat())) health.set(url, this.#prober.checkHealth(url))
    const keys = new Set<string>()
    const reports = await Promise.all(signals.map(async (signal): Promise<IngestReport> => {
      const packagers = await Promise.all((targets.get(signal) ?? []).map(async (url) => {
        const key = `${signal} ${url}`
        keys.add(key)
        const [healthReason, probe] = await Promise.all([health.get(url), this.#prober.probePlaylist(url, signal)])
        const now = this.#now()
        const progress: Progress | undefined = probe.ok ? this.#tracker.observe(key, probe.position, now) : undefined
        const status = packagerStatus(url, healthReason, probe, progress, now)
        this.#metrics.probes.inc({ packager: url, reason: metricReasonFor(status.reason) })
        this.#logTransition(signal, status)
        return status
      }))
      return { signal, packagers, ttl_ms: this.#config.reportTtlMs }
    }))
    this.#tracker.retain(keys)
    for (const key of this.#lastHealth.keys()) if (!keys.has(key)) this.#lastHealth.delete(key)
    // sequential: when the reporter is down the first failure starts the backoff and the rest are skipped
    for (const report of reports) await this.#client.send(report)
    this.#cycles++
    endTimer()
    return { signals, reports }
  }

  #logSignals (signals: readonly string[]): void {
    for (const signal of signals) if (!this.#liveSignals.includes(signal)) this.#log.info({ signal }, 'signal live on disk')
    for (const signal of this.#liveSignals) {
      if (!signals.includes(signal)) this.#log.info({ signal, maxAgeMs: this.#config.maxPlaylistAgeMs }, 'signal no longer live on disk')
    }
    this.#liveSignals = signals
  }

  #logTransition (signal: string, status: PackagerStatus): void {
    const key = `${signal} ${status.url}`
    const previous = this.#lastHealth.get(key)
    if (previous === status.reason) return
    this.#lastHealth.set(key, status.reason)
    if (status.healthy) this.#log.info({ signal, packager: status.url }, 'packager healthy')
    else this.#log.warn({ signal, packager: status.url, reason: status.reason }, 'packager unhealthy')
  }
}
