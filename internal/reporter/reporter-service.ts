import type { AddressInfo } from 'node:net'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { buildReporterApp, type ReporterApp } from './reporter-app.js'
import type { ReporterConfig } from './reporter-config.js'

/** The reporter process: its app on REPORTER_PORT. */
export class ReporterService implements Service {
  readonly #config: ReporterConfig
  readonly #log: Logger
  readonly #reporter: ReporterApp
  #closing: Promise<void> | undefined

  constructor (config: ReporterConfig, log: Logger, options: { now?: () => number } = {}) {
    this.#config = config
    this.#log = log
    this.#reporter = buildReporterApp({ config, log, ...(options.now !== undefined ? { now: options.now } : {}) })
  }

  async start (): Promise<void> {
    if (this.#config.token === undefined) {
      this.#log.warn({ host: this.#config.host }, 'token-less mode: POST /ingests and /edges accept writes without a bearer token (loopback only; set REPORTER_TOKEN)')
    }
    await this.#reporter.app.listen({ host: this.#config.host, port: this.#config.port })
    this.#log.info({ host: this.#config.host, port: this.port, ttlMs: this.#config.ttlMs }, 'started with listener')
  }

  /** The bound port (useful when REPORTER_PORT is 0). */
  get port (): number {
    return (this.#reporter.app.server.address() as AddressInfo | null)?.port ?? this.#config.port
  }

  get app (): ReporterApp {
    return this.#reporter
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      this.#reporter.markDraining()
      await this.#reporter.app.close()
    })()
    await this.#closing
  }
}
