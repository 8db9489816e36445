import { randomBytes } from 'node:crypto'
import { hostname } from 'node:os'
import type { AddressInfo } from 'node:net'
import { AssignerLoop } from '../assigner/assigner-loop.js'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { createRegistry } from '../registry/create-registry.js'
import type { Registry } from '../registry/registry.js'
import { loadStreamsFile } from '../streams/streams-file.js'
import { buildReporterApp, type ReporterApp } from './reporter-app.js'
import type { ReporterConfig } from './reporter-config.js'
import { DEFAULT_REPORTER_ANSWER_BYTES, largestAnswerBytes } from './reporter-limits.js'
import { seedStreams, type StreamSeed } from './stream-seeding.js'

export interface ReporterServiceOptions {
  readonly now?: () => number
  /** A registry the caller owns (and closes); otherwise REGISTRY_URL's, opened at start. */
  readonly registry?: Registry
}

/**
 * The reporter process: its app on REPORTER_PORT over the registry (memory, or Redis shared with
 * other reporters), and an assigner that places streams while this process holds the lease.
 */
export class ReporterService implements Service {
  readonly #config: ReporterConfig
  readonly #log: Logger
  readonly #options: ReporterServiceOptions
  #registry: Registry | undefined
  #reporter: ReporterApp | undefined
  #assigner: AssignerLoop | undefined
  #closing: Promise<void> | undefined

  constructor (config: ReporterConfig, log: Logger, options: ReporterServiceOptions = {}) {
    this.#config = config
    this.#log = log
    this.#options = options
  }

  async start (): Promise<void> {
    const { tokens, sharedTokenRoles, limits } = this.#config
    if (tokens === undefined) {
      this.#log.warn({ host: this.#config.host }, 'token-less mode: POST /ingests, /edges, /workers and PUT /streams accept writes without a bearer token (loopback only; set a token per writer role)')
    } else {
      if (sharedTokenRoles.length > 1) this.#log.warn({ roles: sharedTokenRoles }, 'REPORTER_TOKEN is shared by several writer roles: each can write what the others write; set a token per role')
      if (tokens.worker === undefined) this.#log.info('REPORTER_WORKER_TOKEN is not set: worker registration (POST /workers) is closed')
      if (tokens.operator === undefined) this.#log.info('REPORTER_OPERATOR_TOKEN is not set: stream definitions cannot be changed through the API')
    }
    const largest = largestAnswerBytes(limits)
    if (largest > DEFAULT_REPORTER_ANSWER_BYTES) {
      this.#log.warn({ limits, largestAnswerBytes: largest }, `at these limits an answer can exceed the origin's default REPORTER_MAX_ANSWER_BYTES (${DEFAULT_REPORTER_ANSWER_BYTES}): raise it on every origin to at least ${largest}`)
    }
    // the file first: a typo in it stops the start before anything listens
    const file = this.#config.streamsFile === undefined ? undefined : await loadStreamsFile(this.#config.streamsFile)
    const seed: StreamSeed = { file, fallback: this.#config.defaultStream }
    const now = this.#options.now ?? Date.now
    const registry = this.#options.registry ?? await this.#openRegistry(now)
    if (registry === undefined) return
    this.#registry = registry
    const reporter = buildReporterApp({ config: this.#config, log: this.#log, registry, now })
    this.#reporter = reporter
    await seedStreams(reporter.fleet, seed, this.#log, 'start')
    registry.onReconnect(() => {
      this.#assigner?.settle()
      seedStreams(reporter.fleet, seed, this.#log, 'reconnect').catch((err: unknown) => {
        this.#log.warn({ reason: (err as Error).message }, 'could not write the stream definitions after the registry came back; the next reconnect tries again')
      })
    })
    this.#assigner = new AssignerLoop({
      fleet: reporter.fleet,
      holder: `reporter-${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`,
      intervalMs: this.#config.assignerIntervalMs,
      settleMs: this.#config.assignerSettleMs,
      log: this.#log,
      metrics: reporter.metrics
    })
    await reporter.app.listen({ host: this.#config.host, port: this.#config.port })
    this.#assigner.start()
    this.#log.info({ host: this.#config.host, port: this.port, registry: registry.backend, ttlMs: this.#config.ttlMs, limits, largestAnswerBytes: largest }, 'started with listener')
  }

  /**
   * REGISTRY_URL's backend. A Redis that does not answer yet (started beside us, or restarting) is
   * tried again every second: a reporter holds no state, so it has nothing to serve until then.
   * undefined when the service was closed while waiting.
   */
  async #openRegistry (now: () => number): Promise<Registry | undefined> {
    let told = false
    while (this.#closing === undefined) {
      try {
        return await createRegistry(this.#config.registry, { log: this.#log, now })
      } catch (err) {
        if ((err as { code?: unknown }).code !== 'REGISTRY_ERR_UNAVAILABLE') throw err
        if (!told) this.#log.warn({ reason: (err as Error).message }, 'registry unreachable at start: trying again every second')
        told = true
        await new Promise((resolve) => setTimeout(resolve, 1000))
      }
    }
    return undefined
  }

  /** The bound port (useful when REPORTER_PORT is 0). */
  get port (): number {
    return (this.#reporter?.app.server.address() as AddressInfo | null | undefined)?.port ?? this.#config.port
  }

  /** The app, once started. */
  get app (): ReporterApp {
    if (this.#reporter === undefined) throw new Error('the reporter is not started')
    return this.#reporter
  }

  get assigner (): AssignerLoop | undefined {
    return this.#assigner
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      this.#reporter?.markDraining()
      await this.#assigner?.close()
      await this.#reporter?.app.close()
      if (this.#options.registry === undefined) await this.#registry?.close()
    })()
    await this.#closing
  }
}
