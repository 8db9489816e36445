import { Agent, request } from 'undici'
import type { Logger } from '../log/logger.js'
import { ReporterEndpoints } from '../http/reporter-endpoints.js'
import { failureForError, failureForStatus } from '../http/upstream-failure.js'
import { parseFleetWorkers } from '../reporter/worker-list.js'

/** Signal -> packager URLs of the fleet workers assigned to it. */
export type FleetPackagers = ReadonlyMap<string, readonly string[]>

/**
 * Pure: reads the reporter's GET /workers answer into the packagers to probe per signal: each
 * worker's packager for every stream assigned to it. Malformed entries are skipped.
 */
export function parseFleetPackagers (body: unknown): FleetPackagers | undefined {
  const workers = parseFleetWorkers(body)
  if (workers === undefined) return undefined
  const map = new Map<string, string[]>()
  for (const { packager, streams } of workers) {
    for (const signal of streams) {
      const urls = map.get(signal) ?? []
      if (!urls.includes(packager)) urls.push(packager)
      map.set(signal, urls)
    }
  }
  for (const urls of map.values()) urls.sort()
  return map
}

/**
 * Discovery's view of the fleet: which packagers serve which assigned stream, read from the
 * reporter each cycle. When the reporter cannot answer, the last view stands (a control plane
 * away is no reason to stop probing what was placed).
 */
export class FleetPackagerView {
  readonly #endpoints: ReporterEndpoints
  readonly #log: Logger
  readonly #agent: Agent
  readonly #timeoutMs: number
  #view: FleetPackagers = new Map()
  #failing: string | undefined

  constructor (reporterUrls: readonly string[], timeoutMs: number, log: Logger) {
    this.#endpoints = new ReporterEndpoints(reporterUrls)
    this.#log = log
    this.#timeoutMs = timeoutMs
    this.#agent = new Agent({ connect: { timeout: timeoutMs }, headersTimeout: timeoutMs, bodyTimeout: timeoutMs, maxResponseSize: 4 * 1024 * 1024 })
  }

  async read (): Promise<FleetPackagers> {
    const problem = await this.#endpoints.first(async (url) => await this.#readFrom(url), (why) => why === undefined)
    if (problem !== this.#failing) {
      if (problem !== undefined) this.#log.warn({ reporters: this.#endpoints.all, reason: problem }, 'cannot read the fleet\'s workers: probing the packagers last known')
      else this.#log.info({ reporter: this.#endpoints.current }, 'reading the fleet\'s workers again')
    }
    this.#failing = problem
    return this.#view
  }

  /** undefined when the view was read, else why not. */
  async #readFrom (reporter: string): Promise<string | undefined> {
    let problem: string | undefined
    try {
      const response = await request(`${reporter}/workers`, { dispatcher: this.#agent, signal: AbortSignal.timeout(this.#timeoutMs) })
      const text = await response.body.text()
      if (response.statusCode === 200) {
        const view = parseFleetPackagers(JSON.parse(text))
        if (view !== undefined) this.#view = view
        else problem = 'malformed'
      } else if (response.statusCode === 404) {
        // a reporter from before the fleet: no workers to know of
        this.#view = new Map()
      } else {
        problem = failureForStatus(response.statusCode)
      }
    } catch (err) {
      problem = err instanceof SyntaxError ? 'malformed' : failureForError(err)
    }
    return problem
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }
}
