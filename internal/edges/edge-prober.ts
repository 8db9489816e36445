import { Agent, request } from 'undici'
import { failureForError } from '../http/upstream-failure.js'
import type { ProbeOutcome } from './edge-hang-detector.js'
import { parseStubStatus, type StubStatus } from './stub-status.js'

export const HEALTH_PATH = '/_edge/healthz'
export const STATUS_PATH = '/_edge/status'

export interface ProbeResult {
  readonly healthy: boolean
  /** Undefined when the status page could not be read. */
  readonly status: StubStatus | undefined
  /** Requests this probe made to the edge (nginx counts them too). */
  readonly requests: number
}

/** Reads an edge's health location, then its stub_status; never throws. */
export class EdgeProber {
  readonly #agent: Agent
  readonly #timeoutMs: number

  constructor (options: { timeoutMs: number, connections?: number }) {
    this.#timeoutMs = options.timeoutMs
    this.#agent = new Agent({
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: 16 * 1024,
      connections: options.connections ?? 2
    })
  }

  /** True when the health location answers 200 (within `timeoutMs`, by default the prober's). */
  async health (baseUrl: string, timeoutMs = this.#timeoutMs): Promise<boolean> {
    return (await this.#get(baseUrl + HEALTH_PATH, timeoutMs)) !== undefined
  }

  /**
   * Asks the health location for the hang watch: any HTTP answer, whatever its status, is
   * `answered`; a refused or reset connection is `refused`; nothing by `timeoutMs` (or `signal`)
   * is `unanswered`.
   */
  async ping (baseUrl: string, timeoutMs: number, signal?: AbortSignal): Promise<ProbeOutcome> {
    const timeout = AbortSignal.timeout(timeoutMs)
    try {
      const response = await request(baseUrl + HEALTH_PATH, {
        dispatcher: this.#agent, signal: signal === undefined ? timeout : AbortSignal.any([timeout, signal])
      })
      await response.body.dump()
      return 'answered'
    } catch (err) {
      return isSilence(err) ? 'unanswered' : 'refused'
    }
  }

  // sequential, so the status read counts the health request it follows and the load figure can take both out
  async probe (baseUrl: string): Promise<ProbeResult> {
    const healthy = await this.health(baseUrl)
    if (!healthy) return { healthy, status: undefined, requests: 1 }
    const text = await this.#get(baseUrl + STATUS_PATH)
    return { healthy, status: text === undefined ? undefined : parseStubStatus(text), requests: 2 }
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }

  async #get (url: string, timeoutMs = this.#timeoutMs): Promise<string | undefined> {
    try {
      const response = await request(url, { dispatcher: this.#agent, signal: AbortSignal.timeout(timeoutMs) })
      const text = await response.body.text()
      return response.statusCode === 200 ? text : undefined
    } catch {
      return undefined
    }
  }
}

// a timeout or abort of ours, or undici's own timeouts: the edge said nothing (a full accept queue
// drops SYNs, so a connect timeout is silence too); anything else is a refused or broken connection
function isSilence (err: unknown): boolean {
  return failureForError(err) === 'timeout'
}
