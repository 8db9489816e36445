import type { Counter } from 'prom-client'
import { ReporterPost } from '../http/reporter-post.js'
import type { Logger } from '../log/logger.js'
import type { EdgeStatus } from '../reporter/report-schema.js'

export interface HeartbeatClientOptions {
  /** REPORTER_URL: one reporter, or several over one registry. */
  readonly urls: readonly string[]
  readonly token: string | undefined
  readonly log: Logger
  readonly timeoutMs: number
  /** Failed POSTs by failure code (internal/http/upstream-failure.ts): refused, timeout, http_4xx, ... */
  readonly failures?: Counter<'reason'>
}

/**
 * POSTs edge heartbeats to the reporter. A heartbeat is small and the next one is due within a
 * second, so a failure is not retried: the outage is logged once when it starts and once when it
 * ends, and the manager goes on serving regardless.
 */
export class HeartbeatClient {
  readonly #options: HeartbeatClientOptions
  readonly #post: ReporterPost
  readonly #log: Logger
  #failing = false
  #failedSince = 0

  constructor (options: HeartbeatClientOptions) {
    this.#options = options
    this.#log = options.log.child({ component: 'heartbeat' })
    this.#post = new ReporterPost({ urls: options.urls, token: options.token, timeoutMs: options.timeoutMs, failures: options.failures })
  }

  /** True when the reporter took the heartbeat. */
  async send (edges: readonly EdgeStatus[], ttlMs: number): Promise<boolean> {
    const result = await this.#post.post('/edges', { edges, ttl_ms: ttlMs })
    if (result.ok) {
      this.#recovered()
      return true
    }
    const hint = result.status === 401 || result.status === 403 ? ' (check REPORTER_TOKEN / REPORTER_EDGES_TOKEN: the edges manager needs its own token)' : ''
    const detail = result.detail + hint
    if (!this.#failing) {
      this.#failing = true
      this.#failedSince = Date.now()
      this.#log.warn({ reporter: this.#post.url, reason: detail }, 'reporter unreachable: edges keep serving, heartbeats resume when it answers')
    }
    return false
  }

  async close (): Promise<void> {
    await this.#post.close()
  }

  #recovered (): void {
    if (!this.#failing) return
    this.#failing = false
    this.#log.info({ reporter: this.#post.url, downForMs: Date.now() - this.#failedSince }, 'reporter reachable again')
  }
}
