import { Agent, request } from 'undici'
import type { Counter } from 'prom-client'
import { ReporterEndpoints } from './reporter-endpoints.js'
import { failureForError, failureForStatus, type UpstreamFailure } from './upstream-failure.js'

export interface ReporterPostOptions {
  /** The reporters' base URLs (REPORTER_URL): the one that answered last first, then the others. */
  readonly urls: readonly string[]
  /** The writer's bearer token; undefined sends none (token-less mode on loopback). */
  readonly token: string | undefined
  /** Connect, headers and body timeout, and the deadline of the POST to one reporter. */
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
    /** The reporter that gave this answer (the last one tried). */
    readonly url: string
  }

/**
 * The one authenticated POST every writer makes to the reporter (discovery's reports, the edges
 * manager's heartbeats): a small JSON body, a bearer token, hard timeouts, an answer of at most
 * 64 KiB. With several reporters, a failure to reach one (or its 5xx) is tried on the next inside
 * the same call; a 4xx is the same answer from every reporter and is not. It never throws; a failure
 * is counted by its code and returned, and the caller decides what to log and when to try again.
 */
export class ReporterPost {
  readonly #options: ReporterPostOptions
  readonly #agent: Agent
  readonly #endpoints: ReporterEndpoints

  constructor (options: ReporterPostOptions) {
    this.#options = options
    this.#endpoints = new ReporterEndpoints(options.urls)
    const timeout = options.timeoutMs
    this.#agent = new Agent({ connect: { timeout }, headersTimeout: timeout, bodyTimeout: timeout, maxResponseSize: 64 * 1024 })
  }

  /** The reporter the next POST goes to first. */
  get url (): string {
    return this.#endpoints.current
  }

  /** POSTs `body` as JSON to `<reporter><path>`. */
  async post (path: string, body: unknown): Promise<ReporterPostResult> {
    // a 4xx is every reporter's answer: only a reporter that cannot be reached or fails moves on
    return await this.#endpoints.first(async (url) => await this.#postTo(url, path, body), (result) => result.ok || (result.status !== undefined && result.status < 500))
  }

  async #postTo (url: string, path: string, body: unknown): Promise<ReporterPostResult> {
    let result: ReporterPostResult
    try {
      const response = await request(`${url}${path}`, {
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
      result = { ok: false, failure: failureForStatus(status), status, detail: `http ${status}: ${text.slice(0, 200)}`, url }
    } catch (err) {
      result = { ok: false, failure: failureForError(err), detail: err instanceof Error ? err.message : String(err), url }
    }
    this.#options.failures?.inc({ reason: result.failure })
    return result
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }
}
