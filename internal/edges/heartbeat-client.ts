import { Agent, request } from 'undici'
import type { Counter } from 'prom-client'
import type { Logger } from '../log/logger.js'
import type { EdgeStatus } from '../reporter/report-schema.js'

export interface HeartbeatClientOptions {
  readonly url: string
  readonly token: string | undefined
  readonly log: Logger
  readonly timeoutMs: number
  /** Failed POSTs by reason: refused, timeout, http_4xx, http_5xx, error. */
  readonly failures?: Counter<'reason'>
}

/**
 * POSTs edge heartbeats to the reporter. A heartbeat is small and the next one is due within a
 * second, so a failure is not retried: the outage is logged once when it starts and once when it
 * ends, and the manager goes on serving regardless.
 */
export class HeartbeatClient {
  readonly #options: HeartbeatClientOptions
  readonly #agent: Agent
  readonly #log: Logger
  #failing = false
  #failedSince = 0

  constructor (options: HeartbeatClientOptions) {
    this.#options = options
    this.#log = options.log.child({ component: 'heartbeat' })
    const timeout = options.timeoutMs
    this.#agent = new Agent({ connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout, maxResponseSize: 64 * 1024 })
  }

  /** True when the reporter took the heartbeat. */
  async send (edges: readonly EdgeStatus[], ttlMs: number): Promise<boolean> {
    let reason: string
    let detail: string
    try {
      const response = await request(`${this.#options.url}/edges`, {
        method: 'POST',
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          ...(this.#options.token !== undefined ? { authorization: `Bearer ${this.#options.token}` } : {})
        },
        body: JSON.stringify({ edges, ttl_ms: ttlMs })
      })
      const text = await response.body.text().catch(() => '')
      if (response.statusCode >= 200 && response.statusCode < 300) {
        this.#recovered()
        return true
      }
      reason = response.statusCode >= 500 ? 'http_5xx' : 'http_4xx'
      detail = `http ${response.statusCode}: ${text.slice(0, 200)}${response.statusCode === 401 || response.statusCode === 403 ? ' (check REPORTER_TOKEN / REPORTER_EDGES_TOKEN: the edges manager needs its own token)' : ''}`
    } catch (err) {
      const code = (err as { code?: string }).code
      reason = code === 'ECONNREFUSED' ? 'refused' : code === 'UND_ERR_CONNECT_TIMEOUT' || (err as Error).name === 'TimeoutError' ? 'timeout' : 'error'
      detail = (err as Error).message
    }
    this.#options.failures?.inc({ reason })
    if (!this.#failing) {
      this.#failing = true
      this.#failedSince = Date.now()
      this.#log.warn({ reporter: this.#options.url, reason: detail }, 'reporter unreachable: edges keep serving, heartbeats resume when it answers')
    }
    return false
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }

  #recovered (): void {
    if (!this.#failing) return
    this.#failing = false
    this.#log.info({ reporter: this.#options.url, downForMs: Date.now() - this.#failedSince }, 'reporter reachable again')
  }
}
