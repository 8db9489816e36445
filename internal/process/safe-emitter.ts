/**
 * A typed event emitter whose emit never throws: a listener that throws is reported to
 * `onListenerError` and the other listeners still run (mediasoup's safeEmit). A supervisor's exit
 * handling must not be cut short by a caller's bug.
 */
export class SafeEmitter<Events extends { [K in keyof Events]: unknown }> {
  readonly #listeners = new Map<keyof Events, Set<(data: never) => void>>()

  constructor (private readonly onListenerError: (err: unknown, event: string) => void = reportListenerError) {}

  on<K extends keyof Events>(event: K, listener: (data: Events[K]) => void): this {
    let set = this.#listeners.get(event)
    if (set === undefined) this.#listeners.set(event, set = new Set())
    set.add(listener as (data: never) => void)
    return this
  }

  once<K extends keyof Events>(event: K, listener: (data: Events[K]) => void): this {
    const wrapped = (data: Events[K]): void => {
      this.off(event, wrapped)
      listener(data)
    }
    return this.on(event, wrapped)
  }

  off<K extends keyof Events>(event: K, listener: (data: Events[K]) => void): this {
    this.#listeners.get(event)?.delete(listener as (data: never) => void)
    return this
  }

  protected safeEmit<K extends keyof Events>(event: K, data: Events[K]): void {
    for (const listener of [...this.#listeners.get(event) ?? []]) {
      try {
        (listener as (data: Events[K]) => void)(data)
      } catch (err) {
        this.onListenerError(err, String(event))
      }
    }
  }
}

function reportListenerError (err: unknown, event: string): void {
  // a warning on stderr rather than a crash: the child is still supervised
  process.emitWarning(`a '${event}' listener threw: ${err instanceof Error ? err.stack ?? err.message : String(err)}`)
}
