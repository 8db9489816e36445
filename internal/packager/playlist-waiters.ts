import type { BlockingRequest } from './blocking-reload.js'
import { decideBlockingReload } from './blocking-reload.js'
import type { CachedFile } from './file-store.js'

export type WaitOutcome =
  | { readonly outcome: 'ready', readonly file: CachedFile }
  | { readonly outcome: 'timeout' | 'closed' | 'aborted' }

interface Waiter {
  readonly request: BlockingRequest
  readonly finish: (outcome: WaitOutcome) => void
}

export interface PlaylistWaitersOptions {
  readonly maxWaiters: number
  /** While anyone waits, this is called with the waited keys every pollMs: a net under missed fs events. */
  readonly poll: (keys: readonly string[]) => void
  readonly pollMs: number
}

/**
 * Blocked playlist reloads by playlist key. Bounded; each waiter ends exactly once: when a read
 * of its playlist lists its segment, on timeout, on client abort, or on close().
 */
export class PlaylistWaiters {
  private readonly byKey = new Map<string, Set<Waiter>>()
  private count = 0
  private pollTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor (private readonly options: PlaylistWaitersOptions) {}

  get size (): number { return this.count }

  isWaitedOn (key: string): boolean {
    return this.byKey.has(key)
  }

  /** Waits for the playlist under `key` to satisfy `request`; 'full' when the bound is reached. */
  wait (key: string, request: BlockingRequest, timeoutMs: number, abort?: AbortSignal): Promise<WaitOutcome> | 'full' {
    if (this.closed) return Promise.resolve({ outcome: 'closed' })
    if (this.count >= this.options.maxWaiters) return 'full'
    return new Promise<WaitOutcome>((resolve) => {
      let set = this.byKey.get(key)
      if (set === undefined) {
        set = new Set()
        this.byKey.set(key, set)
      }
      const waiters = set
      const onAbort = (): void => { finish({ outcome: 'aborted' }) }
      const timer = setTimeout(() => { finish({ outcome: 'timeout' }) }, timeoutMs)
      const finish = (outcome: WaitOutcome): void => {
        if (!waiters.delete(waiter)) return
        clearTimeout(timer)
        abort?.removeEventListener('abort', onAbort)
        if (waiters.size === 0 && this.byKey.get(key) === waiters) this.byKey.delete(key)
        this.count--
        this.updatePolling()
        resolve(outcome)
      }
      const waiter: Waiter = { request, finish }
      waiters.add(waiter)
      this.count++
      this.updatePolling()
      if (abort !== undefined) {
        if (abort.aborted) finish({ outcome: 'aborted' })
        else abort.addEventListener('abort', onAbort, { once: true })
      }
    })
  }

  /** A fresh read of the playlist under `key`: releases every waiter it satisfies. */
  notify (key: string, file: CachedFile): void {
    const waiters = this.byKey.get(key)
    if (waiters === undefined || file.info === undefined) return
    for (const waiter of [...waiters]) {
      if (decideBlockingReload(file.info, waiter.request) !== 'wait') waiter.finish({ outcome: 'ready', file })
    }
  }

  /** Releases every waiter with 'closed'; later waits resolve 'closed' at once. */
  close (): void {
    this.closed = true
    for (const waiters of [...this.byKey.values()]) {
      for (const waiter of [...waiters]) waiter.finish({ outcome: 'closed' })
    }
    this.updatePolling()
  }

  private updatePolling (): void {
    if (this.count > 0 && this.pollTimer === undefined && !this.closed) {
      this.pollTimer = setInterval(() => { this.options.poll([...this.byKey.keys()]) }, this.options.pollMs)
      this.pollTimer.unref()
    } else if ((this.count === 0 || this.closed) && this.pollTimer !== undefined) {
      clearInterval(this.pollTimer)
      this.pollTimer = undefined
    }
  }
}
