const LIVENESS_MS = 250

export interface EdgesRoundLoopOptions {
  /** Probe, scale and heartbeat period. */
  readonly periodMs: number
  /** One round; the next starts a period after this one started, or at once when it ran longer. */
  readonly round: () => Promise<void>
  /** Every LIVENESS_MS: a dead edge is replaced well within a round. */
  readonly liveness: () => void
}

/** The manager's clock: a round per heartbeat period and a liveness check four times a second. */
export class EdgesRoundLoop {
  readonly #options: EdgesRoundLoopOptions
  #roundTimer: NodeJS.Timeout | undefined
  #livenessTimer: NodeJS.Timeout | undefined
  #lastRoundAt = 0
  #closed = false

  constructor (options: EdgesRoundLoopOptions) {
    this.#options = options
  }

  /**
   * The first round runs at once: after a manager restart the adopted edges' heartbeats must
   * resume before their TTL runs out, or the origin moves their segments under the players.
   */
  start (): void {
    this.#lastRoundAt = Date.now() - this.#options.periodMs
    this.#schedule()
    this.#livenessTimer = setInterval(() => { this.#options.liveness() }, LIVENESS_MS)
  }

  close (): void {
    this.#closed = true
    clearTimeout(this.#roundTimer)
    clearInterval(this.#livenessTimer)
  }

  #schedule (): void {
    if (this.#closed) return
    const delay = Math.max(0, this.#lastRoundAt + this.#options.periodMs - Date.now())
    this.#roundTimer = setTimeout(() => {
      this.#lastRoundAt = Date.now()
      this.#options.round()
        .catch(() => {})
        .finally(() => { this.#schedule() })
    }, delay)
  }
}
