import type { Logger } from '../log/logger.js'
import { ReporterPost } from '../http/reporter-post.js'
import type { PublicStreamDefinition } from '../streams/stream-definition.js'
import type { PublishRecord } from '../streams/publish-record.js'
import type { FleetConfig } from './fleet-config.js'

/** What a worker says of itself in each heartbeat. */
export interface WorkerState {
  readonly load: number
  readonly streams: readonly string[]
}

/** The reporter's answer to a heartbeat: the streams to encode, and the live publishes of those pushed. */
export interface Assignment {
  readonly assigned: PublicStreamDefinition[]
  readonly publishes: PublishRecord[]
}

/**
 * The worker's side of POST /workers: its registration, answered with the streams assigned to it.
 * undefined when the reporter cannot be reached or refuses: the worker then keeps what it runs
 * (the control plane being away is no reason to stop a stream). Failures are logged once per
 * change, not once per beat.
 */
export class AssignmentClient {
  readonly #config: FleetConfig
  readonly #log: Logger
  readonly #post: ReporterPost
  #lastProblem: string | undefined

  constructor (config: FleetConfig, log: Logger) {
    this.#config = config
    this.#log = log
    this.#post = new ReporterPost({ urls: config.reporterUrls, token: config.reporterToken, timeoutMs: Math.max(500, config.heartbeatMs) })
  }

  async heartbeat (state: WorkerState): Promise<Assignment | undefined> {
    const c = this.#config
    const result = await this.#post.post('/workers', {
      id: c.id,
      host: c.host,
      capacity: c.capacity,
      ...(c.streamFilter !== undefined ? { stream_filter: c.streamFilter } : {}),
      packager: c.packagerUrl,
      load: state.load,
      streams: state.streams,
      ttl_ms: c.ttlMs
    })
    if (!result.ok) {
      this.#problem(result.status === 401 || result.status === 403
        ? `${result.detail} (check ${c.reporterTokenVariable})`
        : result.detail, result.failure)
      return undefined
    }
    let answer: Assignment
    try {
      const parsed = JSON.parse(result.text) as { assigned: PublicStreamDefinition[], publishes?: PublishRecord[] }
      if (!Array.isArray(parsed.assigned)) throw new Error('no "assigned" list')
      answer = { assigned: parsed.assigned, publishes: Array.isArray(parsed.publishes) ? parsed.publishes : [] }
    } catch (err) {
      this.#problem(`malformed answer: ${(err as Error).message}`, 'malformed')
      return undefined
    }
    if (this.#lastProblem !== undefined) this.#log.info({ reporter: this.#post.url }, 'reporter answers heartbeats again')
    this.#lastProblem = undefined
    return answer
  }

  async close (): Promise<void> {
    await this.#post.close()
  }

  #problem (detail: string, failure: string): void {
    if (this.#lastProblem !== failure) this.#log.warn({ reporter: this.#post.url, reason: failure, detail }, 'heartbeat failed: keeping the streams it runs until the reporter answers')
    this.#lastProblem = failure
  }
}
