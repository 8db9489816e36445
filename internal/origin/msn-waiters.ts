interface Waiter { readonly msn: number, readonly resolve: (ok: boolean) => void, readonly timer: NodeJS.Timeout }

/** Requests held until the output lists a media sequence number (blocking playlist reload). */
export class MsnWaiters {
  private waiters: Waiter[] = []

  /** Resolves true once `msn` is listed, false after `timeoutMs`. */
  async wait (msn: number, timeoutMs: number): Promise<boolean> {
    return await new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        msn,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter)
          resolve(false)
        }, timeoutMs)
      }
      this.waiters.push(waiter)
    })
  }

  /** Releases everyone waiting for `lastMsn` or earlier. */
  release (lastMsn: number): void {
    const ready = this.waiters.filter((w) => w.msn <= lastMsn)
    if (ready.length === 0) return
    this.waiters = this.waiters.filter((w) => w.msn > lastMsn)
    for (const w of ready) { clearTimeout(w.timer); w.resolve(true) }
  }

  /** Answers everyone now (shutdown): they get whatever is current. */
  releaseAll (): void {
    for (const w of this.waiters) { clearTimeout(w.timer); w.resolve(false) }
    this.waiters = []
  }

  get size (): number { return this.waiters.length }
}
