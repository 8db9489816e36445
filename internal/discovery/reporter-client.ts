import type { Counter } from 'prom-client'
import { ReporterPost } from '../http/reporter-post.js'
import type { Logger } from '../log/logger.js'
import type { IngestReport } from '../reporter/report-schema.js'
import { backoffDelayMs } from '../process/backoff.js'

export interface ReporterClientOptions {
  /** REPORTER_URL: one reporter, or several over one registry. */
  readonly urls: readonly string[]
  readonly token: string | undefined
  readonly log: Logger
  readonly now: () => number
  readonly timeoutMs?: number
  /** Failed POSTs by failure code (internal/http/upstream-failure.ts): 'refused', 'timeout', 'http_4xx', ... */
  readonly failures?: Counter<'reason'>
}

/**
 * POSTs reports to the reporter. When it is away, later reports are skipped with exponential
 * backoff (0.5s doubling to 10s) instead of piling up, and the outage is logged once when it
 * starts (warn) and once when it ends (info). It never throws: discovery goes on regardless.
 */
export class ReporterClient {
  readonly #options: ReporterClientOptions
  readonly #post: ReporterPost
  readonly #log: Logger
  #failures = 0
  #nextAttemptAt = 0
  #outageStartedAt = 0

  constructor (options: ReporterClientOptions) {
    this.#options = options
    this.#log = options.log.child({ component: 'reporter-client' })
    this.#post = new ReporterPost({ urls: options.urls, token: options.token, timeoutMs: options.timeoutMs ?? 2000, failures: options.failures })
  }

  /** True when the reporter took the report; false when it failed or was skipped during backoff. */
  async send (report: IngestReport): Promise<boolean> {
    const now = this.#options.now()
    if (now < this.#nextAttemptAt) return false
    const result = await this.#post.post('/ingests', report)
    if (result.ok) {
      this.#recovered()
      return true
    }
    // an answered failure is logged with what the reporter said; a thrown one by its code
    this.#failed({ reason: result.status === undefined ? result.failure : result.detail, status: result.status })
    return false
  }

  /** True while the last attempt failed. */
  get down (): boolean {
    return this.#failures > 0
  }

  async close (): Promise<void> {
    await this.#post.close()
  }

  #failed (failure: { reason: string, status: number | undefined }): void {
    const now = this.#options.now()
    this.#failures++
    const delay = backoffDelayMs(this.#failures)
    this.#nextAttemptAt = now + delay
    if (this.#failures === 1) {
      this.#outageStartedAt = now
      // 403: a valid token of another writer role (the edges manager's, say)
      const hint = failure.status === 401 || failure.status === 403 ? ' (check REPORTER_TOKEN / REPORTER_DISCOVERY_TOKEN: discovery needs its own token)' : ''
      this.#log.warn({ reporter: this.#post.url, reason: failure.reason, retryInMs: delay },
        `reporter unreachable${hint}: reports are held back with backoff until it answers`)
    } else {
      this.#log.debug({ reason: failure.reason, failures: this.#failures, retryInMs: delay }, 'reporter still unreachable')
    }
  }

  #recovered (): void {
    if (this.#failures > 0) {
      this.#log.info({ reporter: this.#post.url, downForMs: this.#options.now() - this.#outageStartedAt, failedAttempts: this.#failures }, 'reporter reachable again')
    }
    this.#failures = 0
    this.#nextAttemptAt = 0
  }
}
