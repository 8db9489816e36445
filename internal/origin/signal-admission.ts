import { SingleFlight } from './single-flight.js'

/**
 * Who wants a signal followed: a player's request or the reporter's list. Each has its own probe
 * budget, so a flood of junk names from one cannot starve the other.
 */
export type AdmissionRequester = 'player' | 'reporter'

/** 'served': some packager answers the name; 'unknown': none does (remembered a while); 'busy': not asked, the budget is spent. */
export type AdmissionVerdict = 'served' | 'unknown' | 'busy'

export interface AdmissionLimits {
  /** A name no packager serves is not asked about again for this long, doubling with each miss in a row... */
  readonly negativeTtlMs: number
  /** ...up to this. */
  readonly maxNegativeTtlMs: number
  /** Probes begun per second for names not yet known, per requester, all names together. */
  readonly probesPerSecond: number
  /** Probes that may begin at once (a restarted origin learning the signals it is asked for). */
  readonly probeBurst: number
  /** Names remembered as unknown at most (oldest forgotten first). */
  readonly maxRemembered: number
}

// Not configurable yet (origin-config.ts is owned elsewhere): a probe is one entry playlist request
// per allow-listed packager, so junk names cost each packager at most probesPerSecond requests a
// second per requester, however many names there are.
export const DEFAULT_ADMISSION_LIMITS: AdmissionLimits = Object.freeze({
  negativeTtlMs: 2000,
  maxNegativeTtlMs: 30_000,
  probesPerSecond: 4,
  probeBurst: 16,
  maxRemembered: 4096
})

export interface SignalAdmissionOptions {
  /** Allow-listed packager base URLs, asked all at once. */
  readonly sources: readonly string[]
  /** Whether one packager serves the signal (answers its entry playlist); never rejects. */
  readonly ask: (base: string, signal: string) => Promise<boolean>
  readonly limits?: Partial<AdmissionLimits>
  readonly now?: () => number
}

interface Miss { readonly until: number, readonly inARow: number }

/** Pure token bucket: `tokens` as of `at`. */
export interface Bucket { readonly tokens: number, readonly at: number }

/** Pure: the bucket refilled to `now`, and whether a token could be taken from it. */
export function takeToken (bucket: Bucket, now: number, perSecond: number, burst: number): { bucket: Bucket, taken: boolean } {
  const tokens = Math.min(burst, bucket.tokens + Math.max(0, now - bucket.at) * perSecond / 1000)
  return tokens >= 1 ? { bucket: { tokens: tokens - 1, at: now }, taken: true } : { bucket: { tokens, at: now }, taken: false }
}

/** Pure: how long a name is remembered as unknown after `inARow` misses in a row. */
export function negativeTtlMs (inARow: number, limits: AdmissionLimits): number {
  return Math.min(limits.maxNegativeTtlMs, limits.negativeTtlMs * 2 ** Math.max(0, Math.min(30, inARow - 1)))
}

/**
 * Decides whether a signal name exists before the origin follows it: a signal exists only when an
 * allow-listed packager answers its entry playlist. One bounded probe per name (concurrent ones
 * share it), misses remembered with a growing TTL, and probes of new names rate-limited, so
 * unknown names cost the packagers a bounded request rate however many there are.
 */
export class SignalAdmission {
  private readonly limits: AdmissionLimits
  private readonly now: () => number
  private readonly misses = new Map<string, Miss>()
  private readonly probedAt = new Map<string, number>()
  private readonly flight = new SingleFlight<string, AdmissionVerdict>()
  private readonly buckets: Record<AdmissionRequester, Bucket>

  constructor (private readonly options: SignalAdmissionOptions) {
    this.limits = { ...DEFAULT_ADMISSION_LIMITS, ...options.limits }
    this.now = options.now ?? Date.now
    const full = { tokens: this.limits.probeBurst, at: this.now() }
    this.buckets = { player: full, reporter: full }
  }

  /** True while a recent probe found no packager serving the name. */
  knownUnknown (signal: string): boolean {
    const miss = this.misses.get(signal)
    return miss !== undefined && this.now() < miss.until
  }

  /** When the name was last probed; undefined when never (or forgotten). */
  lastProbedAt (signal: string): number | undefined {
    return this.probedAt.get(signal)
  }

  /** Whether a probe for `requester` could begin now. */
  hasBudget (requester: AdmissionRequester): boolean {
    return takeToken(this.buckets[requester], this.now(), this.limits.probesPerSecond, this.limits.probeBurst).taken
  }

  /** A fresh claim about the name (the reporter newly lists it): the next probe need not wait out earlier misses. */
  forget (signal: string): void {
    this.misses.delete(signal)
  }

  /** Whether some allow-listed packager serves the signal. */
  async probe (signal: string, requester: AdmissionRequester): Promise<AdmissionVerdict> {
    if (this.knownUnknown(signal)) return 'unknown'
    return await this.flight.run(signal, async () => {
      const now = this.now()
      const next = takeToken(this.buckets[requester], now, this.limits.probesPerSecond, this.limits.probeBurst)
      this.buckets[requester] = next.bucket
      if (!next.taken) return 'busy'
      this.remember(this.probedAt, signal, now)
      const served = await anyTrue(this.options.sources.map(async (base) => await this.options.ask(base, signal)))
      if (served) {
        this.misses.delete(signal)
        return 'served'
      }
      const inARow = (this.misses.get(signal)?.inARow ?? 0) + 1
      this.remember(this.misses, signal, { until: this.now() + negativeTtlMs(inARow, this.limits), inARow })
      return 'unknown'
    })
  }

  private remember<V> (map: Map<string, V>, signal: string, value: V): void {
    // re-inserted, so the Map's order is least recently touched first
    map.delete(signal)
    map.set(signal, value)
    while (map.size > this.limits.maxRemembered) {
      const oldest = map.keys().next()
      if (oldest.done === true) break
      map.delete(oldest.value)
    }
  }
}

/** Resolves true as soon as one resolves true; false once all resolved otherwise (a rejection is false). */
async function anyTrue (answers: ReadonlyArray<Promise<boolean>>): Promise<boolean> {
  if (answers.length === 0) return false
  return await new Promise<boolean>((resolve) => {
    let left = answers.length
    for (const answer of answers) {
      answer.then((yes) => yes, () => false).then((yes) => {
        left -= 1
        if (yes) resolve(true)
        else if (left === 0) resolve(false)
      }, () => {})
    }
  })
}
