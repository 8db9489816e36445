import type { AddressInfo } from 'node:net'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { buildReporterApp, type ReporterApp } from './reporter-app.js'
import type { ReporterConfig } from './reporter-config.js'
import { DEFAULT_REPORTER_ANSWER_BYTES, largestAnswerBytes } from './reporter-limits.js'

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
    const { tokens, sharedTokenRoles, limits } = this.#config
    if (tokens === undefined) {
      this.#log.warn({ host: this.#config.host }, 'token-less mode: POST /ingests and /edges accept writes without a bearer token (loopback only; set REPORTER_DISCOVERY_TOKEN and REPORTER_EDGES_TOKEN)')
    } else if (sharedTokenRoles.length > 1) {
      this.#log.warn({ roles: sharedTokenRoles }, 'REPORTER_TOKEN is shared by several writer roles: each can write what the others write; set REPORTER_DISCOVERY_TOKEN and REPORTER_EDGES_TOKEN')
    }
    const largest = largestAnswerBytes(limits)
    if (largest > DEFAULT_REPORTER_ANSWER_BYTES) {
      this.#log.warn({ limits, largestAnswerBytes: largest }, `at these limits an answer can exceed the origin's default REPORTER_MAX_ANSWER_BYTES (${DEFAULT_REPORTER_ANSWER_BYTES}): raise it on every origin to at least ${largest}`)
    }
    await this.#reporter.app.listen({ host: this.#config.host, port: this.#config.port })
    this.#log.info({ host: this.#config.host, port: this.port, ttlMs: this.#config.ttlMs, limits, largestAnswerBytes: largest }, 'started with listener')
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
