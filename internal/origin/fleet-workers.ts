import type { Logger } from '../log/logger.js'
import { ReporterEndpoints } from '../http/reporter-endpoints.js'
import { parseFleetWorkers, type FleetWorker } from '../reporter/worker-list.js'
import { parsePushStatus, type PushStatus } from '../reporter/publish-list.js'
import { safeJson } from './reporter-view.js'
import type { UpstreamClient } from './upstream-client.js'

/**
 * The fleet's workers and the push streams' publishes for the status page, read from the reporters every poll. Only shown, never
 * acted on: the origin fetches from PACKAGER_ALLOWLIST whatever this says. The last good answer
 * stays while no reporter answers; a reporter without GET /workers (404) means no fleet.
 */
export class FleetWorkersView {
  readonly #endpoints: ReporterEndpoints
  readonly #client: UpstreamClient
  readonly #log: Logger
  readonly #pollMs: number
  #workers: readonly FleetWorker[] = []
  #pushes: readonly PushStatus[] = []
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

  /** Push streams and their live publishes (none: the publisher is away). */
  get pushes (): readonly PushStatus[] {
    return this.#pushes
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
      // one reporter answers all three, so the page never mixes two reporters' views
      const view = await this.#endpoints.first(async (url) => await this.#read(url), (answer) => answer !== undefined)
      if (view !== undefined) {
        this.#workers = view.workers
        this.#pushes = view.pushes
        if (this.#failing) this.#log.info({ reporter: this.#endpoints.current }, 'fleet workers readable again')
      } else if (!this.#failing) {
        this.#log.info({ reporters: this.#endpoints.all }, 'fleet workers unreadable: the status page shows the last known')
      }
      this.#failing = view === undefined
    } finally {
      this.#polling = undefined
    }
  }

  async #read (url: string): Promise<{ workers: FleetWorker[], pushes: PushStatus[] } | undefined> {
    const result = await this.#client.get(`${url}/workers`)
    // a reporter without GET /workers (404) means no fleet: an answer too
    if (!result.ok) return result.status === 404 ? { workers: [], pushes: [] } : undefined
    const workers = parseFleetWorkers(safeJson(result.body))
    if (workers === undefined) return undefined
    const [streams, publishes] = await Promise.all([this.#client.get(`${url}/streams`), this.#client.get(`${url}/publishes`)])
    const pushes = streams.ok && publishes.ok ? parsePushStatus(safeJson(streams.body), safeJson(publishes.body)) : undefined
    return { workers, pushes: pushes ?? [...this.#pushes] }
  }
}
