import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from '../log/logger.js'
import type { Service } from '../lifecycle/service.js'
import { createHttpApp } from '../http/http-app.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { StreamEncoder } from './stream-encoder.js'
import type { WorkerConfig } from './worker-config.js'
import { createWorkerMetrics } from './worker-metrics.js'

/**
 * The worker as it runs alone: one stream, LIVE_SIGNAL_NAME from INPUT_STREAM_PATH, encoded into
 * OUTPUT_STREAM_PATH/<signal>, with its metrics listener. (With WORKER_ID set the worker joins
 * the fleet instead: fleet-worker-service.ts.)
 */
export class WorkerService implements Service {
  private readonly registry = createMetricsRegistry('worker')
  private readonly encoder: StreamEncoder
  private app: FastifyInstance | undefined
  private markDraining: (() => void) | undefined
  private closing: Promise<void> | undefined

  constructor (private readonly config: WorkerConfig, private readonly log: Logger) {
    this.encoder = new StreamEncoder({
      ...config,
      signalName: config.signalName,
      signalDir: join(config.outputPath, config.signalName)
    }, log, createWorkerMetrics(this.registry))
  }

  /** PID of the current ffmpeg, for tests and diagnostics. */
  get ffmpegPid (): number | undefined {
    return this.encoder.ffmpegPid
  }

  /** Port of the metrics listener, once started (undefined when disabled). */
  get metricsPort (): number | undefined {
    const address = this.app?.server.address()
    return typeof address === 'object' && address !== null ? address.port : undefined
  }

  async start (): Promise<void> {
    if (this.config.metricsPort !== 0) {
      const { app, markDraining } = createHttpApp({ log: this.log, metrics: this.registry })
      this.app = app
      this.markDraining = markDraining
      await app.listen({ host: this.config.host, port: this.config.metricsPort })
      this.log.info({ port: this.metricsPort }, 'metrics listener started')
    }
    await this.encoder.start()
    this.log.info({ signal: this.config.signalName }, 'worker started')
  }

  async close (): Promise<void> {
    this.closing ??= this.doClose()
    await this.closing
  }

  private async doClose (): Promise<void> {
    this.markDraining?.()
    await this.encoder.close()
    await this.app?.close()
  }
}
