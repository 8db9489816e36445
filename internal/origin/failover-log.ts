/** One switch of the packager a signal's new segments come from, or a stitch across timelines. */
export interface FailoverEvent {
  /** Epoch ms. */
  readonly at: number
  readonly signal: string
  readonly kind: 'failover' | 'stitch' | 'gap'
  readonly from?: string
  readonly to?: string
  /** Why the previous packager was left (its health verdict), or what was stitched. */
  readonly reason?: string
}

/**
 * The most recent failovers and stitches, oldest dropped first: the status page shows what just
 * happened without the origin's memory growing with uptime.
 */
export class FailoverLog {
  private readonly events: FailoverEvent[] = []
  private total = 0

  constructor (private readonly capacity = 50) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
  }

  record (event: FailoverEvent): void {
    this.events.push(event)
    this.total += 1
    if (this.events.length > this.capacity) this.events.splice(0, this.events.length - this.capacity)
  }

  /** Newest first. */
  recent (): FailoverEvent[] {
    return [...this.events].reverse()
  }

  /** Every event ever recorded, including those dropped from the buffer. */
  get recorded (): number { return this.total }
}
