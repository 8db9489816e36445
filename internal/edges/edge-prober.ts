import { Agent, request } from 'undici'
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

  constructor (options: { timeoutMs: number }) {
    this.#timeoutMs = options.timeoutMs
    this.#agent = new Agent({
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: 16 * 1024,
      connections: 2
    })
  }

  /** True when the health location answers 200. */
  async health (baseUrl: string): Promise<boolean> {
    return (await this.#get(baseUrl + HEALTH_PATH)) !== undefined
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

  async #get (url: string): Promise<string | undefined> {
    try {
      const response = await request(url, { dispatcher: this.#agent, signal: AbortSignal.timeout(this.#timeoutMs) })
      const text = await response.body.text()
      return response.statusCode === 200 ? text : undefined
    } catch {
      return undefined
    }
  }
}
