import type { Logger } from '../log/logger.js'
import { ReporterEndpoints } from '../http/reporter-endpoints.js'
import { isValidName } from '../hls/names.js'
import { safeJson } from './reporter-view.js'
import type { UpstreamClient } from './upstream-client.js'

/** A fleet worker as the status page shows it: which streams it encodes and for which packager. */
export interface FleetWorker {
  readonly id: string
  readonly host: string
  /** Plain origin of its packager, no trailing slash. */
  readonly packager: string
  readonly streams: readonly string[]
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** Pure: the reporter's GET /workers answer, keeping well-formed entries only (names end up on a page). */
export function parseFleetWorkers (body: unknown): FleetWorker[] | undefined {
  if (!Array.isArray(body)) return undefined
  return body.flatMap((entry): FleetWorker[] => {
    const { id, host, packager, streams } = (entry ?? {}) as Record<string, unknown>
    if (typeof id !== 'string' || !ID.test(id) || typeof host !== 'string' || host.length > 253 || typeof packager !== 'string' || !Array.isArray(streams)) return []
    let url: URL
    try { url = new URL(packager) } catch { return [] }
    if (url.protocol !== 'http:' && url.protocol !== 'https:') return []
    return [{ id, host, packager: url.origin, streams: streams.filter((s): s is string => typeof s === 'string' && isValidName('signal', s)) }]
  })
}

/**
 * The fleet's workers for the status page, read from the reporters every poll. Only shown, never
 * acted on: the origin fetches from PACKAGER_ALLOWLIST whatever this says. The last good answer
 * stays while no reporter answers; a reporter without GET /workers (404) means no fleet.
 */
export class FleetWorkersView {
  readonly #endpoints: ReporterEndpoints
  readonly #client: UpstreamClient
  readonly #log: Logger
  readonly #pollMs: number
  #workers: readonly FleetWorker[] = []
  #timer: NodeJS.Timeout | undefined
  #polling: Promise<void> | undefined
  #failing = false

  constructor (options: { reporterUrls: readonly string[], pollMs: number }, client: UpstreamClient, log: Logger) {
    this.#endpoints = new ReporterEndpoints(options.reporterUrls)
    this.#client = client
    this.#log = log
    this.#pollMs = options.pollMs
  }

  get workers (): readonly FleetWorker[] {
    return this.#workers
  }

  start (): void {
    this.#polling = this.poll()
    this.#timer = setInterval(() => { this.#polling ??= this.poll() }, this.#pollMs)
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
    await this.#polling
  }

  async poll (): Promise<void> {
    try {
      for (const url of this.#endpoints.order) {
        const result = await this.#client.get(`${url}/workers`)
        const workers = result.ok ? parseFleetWorkers(safeJson(result.body)) : undefined
        if (workers !== undefined || (!result.ok && result.status === 404)) {
          this.#endpoints.answered(url)
          this.#workers = workers ?? []
          if (this.#failing) this.#log.info({ reporter: url }, 'fleet workers readable again')
          this.#failing = false
          return
        }
      }
      if (!this.#failing) this.#log.info({ reporters: this.#endpoints.all }, 'fleet workers unreadable: the status page shows the last known')
      this.#failing = true
    } finally {
      this.#polling = undefined
    }
  }
}
