import { HEALTH_PATH } from '../edges/edge-prober.js'
import { UpstreamClient } from './upstream-client.js'

/**
 * The origin's own check of an edge it already knows from the reporter: GET <edge>/_edge/healthz
 * with a short timeout and a tiny body limit. Used only while the reporter cannot vouch for it.
 */
export class EdgeHealthProbe {
  readonly #client: UpstreamClient

  constructor (options: { timeoutMs: number }) {
    this.#client = new UpstreamClient({ connectTimeoutMs: options.timeoutMs, headersTimeoutMs: options.timeoutMs, bodyTimeoutMs: options.timeoutMs, maxBodyBytes: 4096 })
  }

  /** True when the edge's health location answered 200 in time; never throws. */
  async healthy (edgeUrl: string): Promise<boolean> {
    return (await this.#client.get(edgeUrl + HEALTH_PATH)).ok
  }

  async close (): Promise<void> {
    await this.#client.close()
  }
}
