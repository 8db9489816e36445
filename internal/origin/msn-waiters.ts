import { lastMsn, lastPart, type MediaPlaylist } from '../hls/media-playlist.js'

/** A blocking reload (RFC 8216bis 6.2.5.2): segment `msn`, or part `part` of it. */
export interface BlockingTarget { readonly msn: number, readonly part?: number }

interface Waiter { readonly key: string, readonly position: number, readonly resolve: (ok: boolean) => void, readonly timer: NodeJS.Timeout }

/** Positions per segment: room for a part index below it (no stream has 100000 parts in a segment). */
const PARTS_PER_MSN = 100_000

/**
 * Where a playlist stands, as one number that only grows: part P of segment M is M·K + P, and a
 * whole segment M is M·K + K - 1, so a request without _HLS_part waits for the whole segment.
 */
export function playlistPosition (msn: number, part?: number): number {
  return msn * PARTS_PER_MSN + (part ?? PARTS_PER_MSN - 1)
}

/** A playlist's position: its newest part, or its newest whole segment, whichever is further. */
export function positionOf (playlist: MediaPlaylist): number {
  const part = lastPart(playlist)
  const whole = playlistPosition(lastMsn(playlist))
  return part === undefined ? whole : Math.max(whole, playlistPosition(part.msn, part.part))
}

/** Requests held until a rendition's output reaches a position (blocking playlist reload, preload hints). */
export class MsnWaiters {
  private waiters: Waiter[] = []

  /** Resolves true once `key` reaches `position`, false after `timeoutMs`. */
  async wait (key: string, position: number, timeoutMs: number): Promise<boolean> {
    return await new Promise<boolean>((resolve) => {
      const waiter: Waiter = {
        key,
        position,
        resolve,
        timer: setTimeout(() => {
          this.waiters = this.waiters.filter((w) => w !== waiter)
          resolve(false)
        }, timeoutMs)
      }
      this.waiters.push(waiter)
    })
  }

  /** Releases everyone waiting on `key` for `position` or earlier. */
  release (key: string, position: number): void {
    const ready = this.waiters.filter((w) => w.key === key && w.position <= position)
    if (ready.length === 0) return
    this.waiters = this.waiters.filter((w) => !ready.includes(w))
    for (const w of ready) { clearTimeout(w.timer); w.resolve(true) }
  }

  /** Answers everyone now (shutdown): they get whatever is current. */
  releaseAll (): void {
    for (const w of this.waiters) { clearTimeout(w.timer); w.resolve(false) }
    this.waiters = []
  }

  get size (): number { return this.waiters.length }
}
