/** Where a packager's media playlist stood at one probe. */
export interface PlaylistPosition {
  readonly lastSequence: number
  readonly lastSegmentUri: string
  readonly targetDurationMs: number
}

export interface Progress {
  readonly stale: boolean
  /** When the position was first seen (ms since epoch). */
  readonly lastChange: number
  readonly unchangedProbes: number
}

interface State { lastSequence: number, lastSegmentUri: string, lastChange: number, unchangedProbes: number }

/**
 * Tells a frozen packager from a live one: a playlist whose last segment has not changed for more
 * than `staleFactor` target durations, over at least `minProbes` probes, is stale. The probe count
 * keeps one slow cycle (or a long gap between cycles) from condemning a packager on a single look.
 */
export class ProgressTracker {
  readonly #states = new Map<string, State>()

  constructor (readonly staleFactor = 1.5, readonly minProbes = 2) {}

  observe (key: string, position: PlaylistPosition, now: number): Progress {
    const state = this.#states.get(key)
    if (state === undefined || state.lastSequence !== position.lastSequence || state.lastSegmentUri !== position.lastSegmentUri) {
      this.#states.set(key, { lastSequence: position.lastSequence, lastSegmentUri: position.lastSegmentUri, lastChange: now, unchangedProbes: 0 })
      return { stale: false, lastChange: now, unchangedProbes: 0 }
    }
    state.unchangedProbes++
    const stale = state.unchangedProbes >= this.minProbes && now - state.lastChange > this.staleFactor * position.targetDurationMs
    return { stale, lastChange: state.lastChange, unchangedProbes: state.unchangedProbes }
  }

  /** Drops state for keys not in `keep`, so signals that ended do not accumulate. */
  retain (keep: ReadonlySet<string>): void {
    for (const key of this.#states.keys()) if (!keep.has(key)) this.#states.delete(key)
  }
}
