import { Agent, request } from 'undici'
import type { Counter } from 'prom-client'
import type { Logger } from '../log/logger.js'
import type { IngestReport } from '../reporter/report-schema.js'
import { backoffDelayMs } from './backoff.js'
import { reasonForError } from './probe-reason.js'

export interface ReporterClientOptions {
  readonly url: string
  readonly token: string | undefined
  readonly log: Logger
  readonly now: () => number
  readonly timeoutMs?: number
  /** Failed POSTs by reason: 'refused', 'timeout', 'http_4xx', 'http_5xx', ... */
  readonly failures?: Counter<'reason'>
}

/**
 * POSTs reports to the reporter. When it is away, later reports are skipped with exponential
 * backoff (0.5s doubling to 10s) instead of piling up, and the outage is logged once when it
 * starts (warn) and once when it ends (info). It never throws: discovery goes on regardless.
 */
export class ReporterClient {
  readonly #options: ReporterClientOptions
  readonly #agent: Agent
  readonly #log: Logger
  #failures = 0
  #nextAttemptAt = 0
  #outageStartedAt = 0

  constructor (options: ReporterClientOptions) {
    this.#options = options
    this.#log = options.log.child({ component: 'reporter-client' })
    const timeout = options.timeoutMs ?? 2000
    this.#agent = new Agent({ connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout, maxResponseSize: 64 * 1024 })
  }

  /** True when the reporter took the report; false when it failed or was skipped during backoff. */
  async send (report: IngestReport): Promise<boolean> {
    const now = this.#options.now()
    if (now < this.#nextAttemptAt) return false
    let failure: { reason: string, metric: string, err?: unknown, status?: number }
    try {
      const response = await request(`${this.#options.url}/ingests`, {
        method: 'POST',
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 2000),
        headers: {
          'content-type': 'application/json',
          ...(this.#options.token !== undefined ? { authorization: `Bearer ${this.#options.token}` } : {})
        },
        body: JSON.stringify(report)
      })
      const text = await response.body.text().catch(() => '')
      if (response.statusCode >= 200 && response.statusCode < 300) {
        this.#recovered()
        return true
      }
      const metric = response.statusCode >= 500 ? 'http_5xx' : 'http_4xx'
      failure = { reason: `http ${response.statusCode}: ${text.slice(0, 200)}`, metric, status: response.statusCode }
    } catch (err) {
      const reason = reasonForError(err)
      failure = { reason, metric: reason.replace(/ /g, '_'), err }
    }
    this.#failed(failure)
    return false
  }

  /** True while the last attempt failed. */
  get down (): boolean {
    return this.#failures > 0
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }

  #failed (failure: { reason: string, metric: string, err?: unknown, status?: number }): void {
    const now = this.#options.now()
    this.#failures++
    const delay = backoffDelayMs(this.#failures)
    this.#nextAttemptAt = now + delay
    this.#options.failures?.inc({ reason: failure.metric })
    if (this.#failures === 1) {
      this.#outageStartedAt = now
      // 403: a valid token of another writer role (the edges manager's, say)
      const hint = failure.status === 401 || failure.status === 403 ? ' (check REPORTER_TOKEN / REPORTER_DISCOVERY_TOKEN: discovery needs its own token)' : ''
      this.#log.warn({ reporter: this.#options.url, reason: failure.reason, retryInMs: delay },
        `reporter unreachable${hint}: reports are held back with backoff until it answers`)
    } else {
      this.#log.debug({ reason: failure.reason, failures: this.#failures, retryInMs: delay }, 'reporter still unreachable')
    }
  }

  #recovered (): void {
    if (this.#failures > 0) {
      this.#log.info({ reporter: this.#options.url, downForMs: this.#options.now() - this.#outageStartedAt, failedAttempts: this.#failures }, 'reporter reachable again')
    }
    this.#failures = 0
    this.#nextAttemptAt = 0
  }
}
