import { Agent, request } from 'undici'
import type { Counter } from 'prom-client'
import { failureForError, failureForStatus, type UpstreamFailure } from './upstream-failure.js'

export interface ReporterPostOptions {
  /** The reporter's base URL. */
  readonly url: string
  /** The writer's bearer token; undefined sends none (token-less mode on loopback). */
  readonly token: string | undefined
  /** Connect, headers and body timeout, and the deadline of the whole POST. */
  readonly timeoutMs: number
  /** Failed POSTs, by failure code. */
  readonly failures?: Counter<'reason'>
}

export type ReporterPostResult =
  /** `text`: the answer's body (a worker's heartbeat is answered with its assignment). */
  | { readonly ok: true, readonly text: string }
  | {
    readonly ok: false
    readonly failure: UpstreamFailure
    /** Set when the reporter answered, with a status other than 2xx. */
    readonly status?: number
    /** `http <status>: <first 200 characters of the answer>`, or the thrown error's message. */
    readonly detail: string
  }

/**
 * The one authenticated POST every writer makes to the reporter (discovery's reports, the edges
 * manager's heartbeats): a small JSON body, a bearer token, hard timeouts, an answer of at most
 * 64 KiB. It never throws; a failure is counted by its code and returned, and the caller decides
 * what to log and when to try again.
 */
export class ReporterPost {
  readonly #options: ReporterPostOptions
  readonly #agent: Agent

  constructor (options: ReporterPostOptions) {
    this.#options = options
    const timeout = options.timeoutMs
    this.#agent = new Agent({ connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout, maxResponseSize: 64 * 1024 })
  }

  /** POSTs `body` as JSON to `<url><path>`. */
  async post (path: string, body: unknown): Promise<ReporterPostResult> {
    let result: ReporterPostResult
    try {
      const response = await request(`${this.#options.url}${path}`, {
        method: 'POST',
        dispatcher: this.#agent,
        signal: AbortSignal.timeout(this.#options.timeoutMs),
        headers: {
          'content-type': 'application/json',
          ...(this.#options.token !== undefined ? { authorization: `Bearer ${this.#options.token}` } : {})
        },
        body: JSON.stringify(body)
      })
      const text = await response.body.text().catch(() => '')
      if (response.statusCode >= 200 && response.statusCode < 300) return { ok: true, text }
      const status = response.statusCode
      result = { ok: false, failure: failureForStatus(status), status, detail: `http ${status}: ${text.slice(0, 200)}` }
    } catch (err) {
      result = { ok: false, failure: failureForError(err), detail: err instanceof Error ? err.message : String(err) }
    }
    this.#options.failures?.inc({ reason: result.failure })
    return result
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }
}
