import { FALLBACK_TARGET_DURATION_MS } from './target-duration.js'
/**
 * Pure health tracker for the sources (packagers) of one signal. The service feeds it what each
 * poll saw and asks, at a given time, which sources may provide NEW segments (the `eligible` input
 * of advanceTimeline). No clock inside: `at`/`now` are parameters.
 *
 * A source is down while its last poll failed, it stopped answering, or its playlist stopped
 * advancing (stale: up but frozen). It is eligible when up and, if it has ever been down, after it
 * has stayed up for a hold period; the hold doubles with every recent fall, so a source that comes
 * and goes every few seconds is simply not taken back (no flapping) while another source can serve.
 *
 * Only a higher MSN is progress. A lower one is a rewind: once (a worker that is not epoch-locked
 * restarted at 0) the timeline stitches it, and the source must then advance from there to stay up;
 * again within a few target durations, the source is not in step (two workers on one output, a
 * proxy flipping between packagers) and is down until it has stopped.
 */

/** One poll of one source (all renditions of the signal folded into one verdict by the caller). */
export type HealthObservation =
  | {
    readonly sourceId: string
    readonly at: number
    readonly ok: true
    /** Newest MSN listed (reference rendition). */
    readonly newestMsn: number
    /** Duration of the newest segment, ms. */
    readonly newestDurationMs: number
    readonly targetDurationMs: number
  }
  | { readonly sourceId: string, readonly at: number, readonly ok: false, readonly reason: string }

export interface SourceHealthEntry {
  readonly lastOkAt?: number
  readonly lastErrorAt?: number
  readonly lastError?: string
  readonly newestMsn?: number
  readonly lastAdvanceAt?: number
  readonly newestDurationMs?: number
  readonly targetDurationMs?: number
  readonly up: boolean
  readonly everDown: boolean
  /** Start of the current up streak. */
  readonly upSince?: number
  /** Recent times it went down, newest last (bounded). */
  readonly downs: readonly number[]
  /** Recent times its newest MSN went backwards, newest last (bounded). */
  readonly rewinds?: readonly number[]
}

/** Plain data, JSON-serializable. */
export interface SourceHealthState {
  readonly sources: Readonly<Record<string, SourceHealthEntry>>
}

export interface SourceHealthOptions {
  /** Stale when no new segment for (newest segment duration + this many target durations). */
  readonly staleAfterTargetDurations: number
  /** Down when no poll answered for this many target durations. */
  readonly silentAfterTargetDurations: number
  /** Up time needed after a fall before the source is eligible again, in target durations. */
  readonly holdTargetDurations: number
  /** Cap of the doubling hold, in target durations. */
  readonly maxHoldTargetDurations: number
  /** Falls inside this window count as flapping, ms. */
  readonly flapWindowMs: number
  /** Used before a source has told its target duration, ms. */
  readonly defaultTargetDurationMs: number
  /** Two rewinds (newest MSN going backwards) within this many target durations: not in step, down. */
  readonly rewindWindowTargetDurations?: number
}

export const DEFAULT_HEALTH_OPTIONS: SourceHealthOptions = Object.freeze({
  staleAfterTargetDurations: 1,
  silentAfterTargetDurations: 2,
  holdTargetDurations: 3,
  maxHoldTargetDurations: 24,
  flapWindowMs: 60_000,
  defaultTargetDurationMs: FALLBACK_TARGET_DURATION_MS,
  rewindWindowTargetDurations: 10
})

export interface SourceVerdict {
  readonly up: boolean
  readonly eligible: boolean
  /** Why it is not eligible. */
  readonly reason?: string
  /** When a held source becomes eligible if it stays up. */
  readonly eligibleAt?: number
}

export const EMPTY_HEALTH: SourceHealthState = Object.freeze({ sources: Object.freeze({}) })

const MAX_DOWNS = 16
const REWIND_WINDOW_TARGET_DURATIONS = 10

function withoutUpSince (e: SourceHealthEntry): Omit<SourceHealthEntry, 'up' | 'everDown' | 'downs' | 'upSince'> {
  const { up: _up, everDown: _everDown, downs: _downs, upSince: _upSince, ...rest } = e
  return rest
}

function observe (e: SourceHealthEntry | undefined, o: HealthObservation): SourceHealthEntry {
  const base: SourceHealthEntry = e ?? { up: false, everDown: false, downs: [] }
  if (!o.ok) return { ...base, lastErrorAt: o.at, lastError: o.reason }
  // Only a higher MSN is progress. A lower one is a rewind: never progress, and counted, so a
  // source that keeps going back and forth is found out (see downReason).
  const advanced = base.newestMsn === undefined || o.newestMsn > base.newestMsn
  const rewound = base.newestMsn !== undefined && o.newestMsn < base.newestMsn
  return {
    ...base,
    ...(rewound ? { rewinds: [...(base.rewinds ?? []), o.at].slice(-MAX_DOWNS) } : {}),
    lastOkAt: o.at,
    newestMsn: o.newestMsn,
    newestDurationMs: o.newestDurationMs,
    targetDurationMs: o.targetDurationMs,
    lastAdvanceAt: advanced ? o.at : base.lastAdvanceAt
  }
}

function downReason (e: SourceHealthEntry, now: number, opt: SourceHealthOptions): string | undefined {
  const td = e.targetDurationMs ?? opt.defaultTargetDurationMs
  if (e.lastOkAt === undefined) return e.lastError ?? 'never answered'
  if (e.lastErrorAt !== undefined && e.lastErrorAt >= e.lastOkAt) return e.lastError ?? 'error'
  if (now - e.lastOkAt > opt.silentAfterTargetDurations * td) return 'no answer'
  const rewindWindowMs = (opt.rewindWindowTargetDurations ?? REWIND_WINDOW_TARGET_DURATIONS) * td
  const rewinds = (e.rewinds ?? []).filter((t) => now - t <= rewindWindowMs).length
  if (rewinds >= 2) return `out of step: media sequence went backwards ${rewinds} times in ${Math.round(rewindWindowMs / 1000)} s`
  if (e.lastAdvanceAt !== undefined && now - e.lastAdvanceAt > (e.newestDurationMs ?? td) + opt.staleAfterTargetDurations * td) {
    return 'stale: playlist stopped advancing'
  }
  return undefined
}

function holdMs (e: SourceHealthEntry, now: number, opt: SourceHealthOptions): number {
  const td = e.targetDurationMs ?? opt.defaultTargetDurationMs
  const recent = e.downs.filter((t) => now - t <= opt.flapWindowMs).length
  const factor = Math.min(2 ** Math.max(0, recent - 1), opt.maxHoldTargetDurations / opt.holdTargetDurations)
  return opt.holdTargetDurations * td * factor
}

/**
 * Applies the observations made since the last call, then judges every source at `now`.
 * Call it regularly (each poll cycle) even without observations, so silence and staleness count.
 */
export function updateSourceHealth (
  state: SourceHealthState,
  observations: readonly HealthObservation[],
  now: number,
  options: SourceHealthOptions = DEFAULT_HEALTH_OPTIONS
): { state: SourceHealthState, verdicts: Readonly<Record<string, SourceVerdict>> } {
  const sources: Record<string, SourceHealthEntry> = { ...state.sources }
  for (const o of [...observations].sort((a, b) => a.at - b.at)) sources[o.sourceId] = observe(sources[o.sourceId], o)
  const verdicts: Record<string, SourceVerdict> = {}
  for (const id of Object.keys(sources).sort()) {
    let e = sources[id] as SourceHealthEntry
    const reason = downReason(e, now, options)
    if (reason !== undefined) {
      // Only a fall after being up counts: a packager that is not there yet at start is not held.
      if (e.up) e = { up: false, everDown: true, downs: [...e.downs, now].slice(-MAX_DOWNS), ...withoutUpSince(e) }
      sources[id] = e
      verdicts[id] = { up: false, eligible: false, reason }
      continue
    }
    if (!e.up) e = { ...e, up: true, upSince: now }
    sources[id] = e
    if (!e.everDown) {
      verdicts[id] = { up: true, eligible: true }
      continue
    }
    const eligibleAt = (e.upSince ?? now) + holdMs(e, now, options)
    verdicts[id] = now >= eligibleAt ? { up: true, eligible: true } : { up: true, eligible: false, reason: HELD, eligibleAt }
  }
  takeBackWhenNoneServes(sources, verdicts)
  return { state: { sources }, verdicts }
}

const HELD = 'held after recovery'

/**
 * The hold keeps a recovering source out only while another one can serve. When every source has
 * fallen (all packagers froze at once, a shared disk stalled), holding the first one back would
 * turn a short outage into a long one: every source that is up is taken at once, and from then on
 * counts as taken (a source that comes back after it is held against it as usual).
 */
function takeBackWhenNoneServes (sources: Record<string, SourceHealthEntry>, verdicts: Record<string, SourceVerdict>): void {
  const all = Object.values(verdicts)
  if (all.some((v) => v.eligible) || !all.some((v) => v.reason === HELD)) return
  for (const [id, v] of Object.entries(verdicts)) {
    if (v.reason !== HELD) continue
    verdicts[id] = { up: true, eligible: true }
    sources[id] = { ...(sources[id] as SourceHealthEntry), everDown: false }
  }
}
