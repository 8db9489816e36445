import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from '../log/logger.js'
import type { Service } from '../lifecycle/service.js'
import { createHttpApp } from '../http/http-app.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { parseLadder } from '../streams/ladder.js'
import { isPushSource, type PublicStreamDefinition } from '../streams/stream-definition.js'
import { AssignmentClient } from './assignment-client.js'
import { EncoderPool } from './encoder-pool.js'
import type { FleetConfig } from './fleet-config.js'
import { StreamEncoder } from './stream-encoder.js'
import { LiveStreamEncoder, type LiveEncoderSettings } from './live-stream-encoder.js'
import type { PublishRecord } from '../streams/publish-record.js'
import type { WorkerConfig } from './worker-config.js'
import { createWorkerMetrics } from './worker-metrics.js'

/**
 * A worker of the fleet (WORKER_ID set): every WORKER_HEARTBEAT it registers with the reporter,
 * saying what it runs, and makes its encoders follow the streams the assigner gave it, each in
 * `OUTPUT_STREAM_PATH/<stream>`, which its packager serves.
 */
export class FleetWorkerService implements Service {
  readonly #config: WorkerConfig
  readonly #fleet: FleetConfig
  readonly #log: Logger
  readonly #registry = createMetricsRegistry('worker')
  readonly #pool: EncoderPool
  readonly #client: AssignmentClient
  /** The live publishes of its push streams, as the latest heartbeat answer said; kept while the reporter is away. */
  #publishes: readonly PublishRecord[] = []
  #app: FastifyInstance | undefined
  #markDraining: (() => void) | undefined
  #timer: NodeJS.Timeout | undefined
  #beating: Promise<void> | undefined
  #closing: Promise<void> | undefined

  constructor (config: WorkerConfig, fleet: FleetConfig, log: Logger) {
    this.#config = config
    this.#fleet = fleet
    this.#log = log.child({ worker: fleet.id })
    const metrics = createWorkerMetrics(this.#registry)
    this.#pool = new EncoderPool((definition) => {
      const settings = this.#settingsFor(definition)
      return isPushSource(definition.source)
        ? new LiveStreamEncoder(settings, () => this.#publishes.filter((p) => p.stream === definition.name), this.#log, metrics)
        : new StreamEncoder({ ...settings, inputPath: definition.source.file }, this.#log, metrics)
    }, this.#log, { stopGraceMs: 2 * fleet.heartbeatMs })
    this.#client = new AssignmentClient(fleet, this.#log)
  }

  /** Streams it encodes now. */
  get streams (): string[] {
    return this.#pool.names
  }

  get metricsPort (): number | undefined {
    const address = this.#app?.server.address()
    return typeof address === 'object' && address !== null ? address.port : undefined
  }

  async start (): Promise<void> {
    if (this.#config.metricsPort !== 0) {
      const { app, markDraining } = createHttpApp({ log: this.#log, metrics: this.#registry })
      this.#app = app
      this.#markDraining = markDraining
      await app.listen({ host: this.#config.host, port: this.#config.metricsPort })
    }
    const f = this.#fleet
    this.#log.info({ host: f.host, capacity: f.capacity, streamFilter: f.streamFilter, packager: f.packagerUrl, reporters: f.reporterUrls, metricsPort: this.metricsPort }, 'fleet worker started')
    if (f.reporterToken === undefined) this.#log.warn(`${f.reporterTokenVariable} is not set: heartbeats go out without a bearer token (the reporter takes them only in token-less mode)`)
    this.#schedule(0)
  }

  /** One heartbeat and the encoder changes it brings, or the one already under way. */
  async beat (): Promise<void> {
    this.#beating ??= this.#beat().finally(() => { this.#beating = undefined })
    await this.#beating
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      this.#markDraining?.()
      clearTimeout(this.#timer)
      await this.#beating
      await this.#pool.close()
      await this.#client.close()
      await this.#app?.close()
    })()
    await this.#closing
  }

  #schedule (delayMs: number): void {
    if (this.#closing !== undefined) return
    this.#timer = setTimeout(() => {
      this.beat()
        .catch((err: unknown) => { this.#log.error({ err }, 'heartbeat round failed') })
        .finally(() => { this.#schedule(this.#fleet.heartbeatMs) })
    }, delayMs)
  }

  async #beat (): Promise<void> {
    const answer = await this.#client.heartbeat({ load: this.#pool.load, streams: this.#pool.names })
    if (answer === undefined || this.#closing !== undefined) return
    this.#publishes = answer.publishes
    await this.#pool.apply(answer.assigned)
  }

  #settingsFor (definition: PublicStreamDefinition): LiveEncoderSettings {
    const c = this.#config
    return {
      signalName: definition.name,
      signalDir: join(c.outputPath, definition.name),
      segmentSeconds: definition.segment_duration,
      ladder: parseLadder(definition.ladder),
      listSize: c.listSize,
      ffmpegPath: c.ffmpegPath,
      ffprobePath: c.ffprobePath,
      videoPreset: c.videoPreset,
      frameRate: c.frameRate,
      catchUp: c.catchUp,
      segmentFormat: c.segmentFormat,
      partSeconds: c.partSeconds
    }
  }
}
