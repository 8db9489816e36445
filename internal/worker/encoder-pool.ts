import type { Logger } from '../log/logger.js'
import { streamCost, type PublicStreamDefinition } from '../streams/stream-definition.js'
import { encodingOf, planEncoders } from './encoder-plan.js'

/** The part of a StreamEncoder the pool drives. */
export interface Encoder {
  start: () => Promise<void>
  close: () => Promise<void>
}

/** After an encoder fails to start (a missing input, say), the same definition waits this long. */
const RETRY_AFTER_MS = 30_000

interface Entry {
  readonly definition: PublicStreamDefinition
  readonly encoder: Encoder
}

/**
 * The encoders of a fleet worker, one per assigned stream, each in its own folder. `apply` makes
 * the running set follow the assignment: stops what is no longer assigned, starts what is new,
 * without waiting for starts (probing an input takes seconds; heartbeats must go on).
 */
export class EncoderPool {
  readonly #entries = new Map<string, Entry>()
  readonly #failed = new Map<string, { encoding: string, at: number }>()
  /** Since when each running stream has been missing from the assignment. */
  readonly #unassignedSince = new Map<string, number>()
  readonly #build: (definition: PublicStreamDefinition) => Encoder
  readonly #log: Logger
  readonly #now: () => number
  #closed = false

  readonly #stopGraceMs: number

  /**
   * `stopGraceMs`: how long a stream must stay unassigned before its encoder stops, so one answer
   * given while the registry was refilling after a restart does not stop what runs fine.
   */
  constructor (build: (definition: PublicStreamDefinition) => Encoder, log: Logger, options: { stopGraceMs: number, now?: () => number }) {
    this.#build = build
    this.#log = log
    this.#stopGraceMs = options.stopGraceMs
    this.#now = options.now ?? Date.now
  }

  /** Streams it encodes (or is starting), sorted. */
  get names (): string[] {
    return [...this.#entries.keys()].sort()
  }

  /** Ladder encodes it runs: what counts against its capacity. */
  get load (): number {
    let load = 0
    for (const { definition } of this.#entries.values()) load += streamCost(definition)
    return load
  }

  async apply (assigned: readonly PublicStreamDefinition[]): Promise<void> {
    if (this.#closed) return
    const running = new Map([...this.#entries].map(([name, entry]) => [name, entry.definition]))
    const plan = planEncoders(running, assigned)
    const now = this.#now()
    for (const name of this.#unassignedSince.keys()) if (!plan.stop.includes(name) || assigned.some((d) => d.name === name)) this.#unassignedSince.delete(name)
    const stops = plan.stop.filter((name) => {
      if (assigned.some((d) => d.name === name)) return true
      const since = this.#unassignedSince.get(name) ?? now
      this.#unassignedSince.set(name, since)
      return now - since >= this.#stopGraceMs
    })
    await Promise.all(stops.map(async (name) => await this.#stop(name, assigned.some((d) => d.name === name) ? 'redefined' : 'no longer assigned')))
    for (const definition of plan.start) this.#start(definition)
  }

  async close (): Promise<void> {
    this.#closed = true
    await Promise.all(this.names.map(async (name) => await this.#stop(name, 'worker stopping')))
  }

  #start (definition: PublicStreamDefinition): void {
    const failed = this.#failed.get(definition.name)
    if (failed !== undefined && failed.encoding === encodingOf(definition) && this.#now() - failed.at < RETRY_AFTER_MS) return
    this.#failed.delete(definition.name)
    const encoder = this.#build(definition)
    this.#entries.set(definition.name, { definition, encoder })
    this.#log.info({ stream: definition.name }, 'stream assigned: starting its encoder')
    encoder.start().catch(async (err: unknown) => {
      this.#log.error({ stream: definition.name, reason: (err as Error).message, retryInMs: RETRY_AFTER_MS }, 'encoder could not start')
      this.#failed.set(definition.name, { encoding: encodingOf(definition), at: this.#now() })
      if (this.#entries.get(definition.name)?.encoder === encoder) this.#entries.delete(definition.name)
      await encoder.close().catch(() => {})
    })
  }

  async #stop (name: string, reason: string): Promise<void> {
    const entry = this.#entries.get(name)
    if (entry === undefined) return
    this.#entries.delete(name)
    this.#unassignedSince.delete(name)
    this.#log.info({ stream: name, reason }, 'stopping encoder')
    await entry.encoder.close()
  }
}
