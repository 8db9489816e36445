/**
 * The reporters a client may use (REPORTER_URL, several over one registry). A request goes to the
 * one that answered last, then to each other in turn, so one dead reporter costs at most one
 * failed attempt per request and the client stays with the one that works.
 */
export class ReporterEndpoints {
  readonly #urls: readonly string[]
  #preferred = 0

  constructor (urls: readonly string[]) {
    if (urls.length === 0) throw new RangeError('at least one reporter URL is needed')
    this.#urls = urls.map((url) => url.replace(/\/+$/, ''))
  }

  /** The one that answered last (the first at the start): for logs. */
  get current (): string {
    return this.#urls[this.#preferred] ?? ''
  }

  get all (): readonly string[] {
    return this.#urls
  }

  /** Every reporter once, the one that answered last first. */
  get order (): string[] {
    return [...this.#urls.slice(this.#preferred), ...this.#urls.slice(0, this.#preferred)]
  }

  /**
   * Asks each reporter in `order` until `answered` accepts what one gave: that one is used first
   * from then on. Returns the accepted answer, or the last one when none was.
   */
  async first<T> (ask: (url: string) => Promise<T>, answered: (answer: T) => boolean): Promise<T> {
    let last: T | undefined
    for (const url of this.order) {
      last = await ask(url)
      if (answered(last)) {
        this.answered(url)
        break
      }
    }
    return last as T
  }

  /** `url` answered: the next request starts there. */
  answered (url: string): void {
    const index = this.#urls.indexOf(url)
    if (index >= 0) this.#preferred = index
  }
}
