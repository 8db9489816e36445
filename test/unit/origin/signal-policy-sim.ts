// A fake clock and scripted packagers around advanceSignal: every step each packager answers one
// poll per rendition (a playlist, or an error), then the pure step runs at that time.
import type { MediaPlaylist, Segment } from '../../../internal/hls/media-playlist.js'
import { DEFAULT_HEALTH_OPTIONS } from '../../../internal/hls/source-health.js'
import { DEFAULT_TIMELINE_OPTIONS } from '../../../internal/hls/timeline-state.js'
import { FOLLOW_HEALTHY } from '../../../internal/origin/failover-strategy.js'
import { advanceSignal } from '../../../internal/origin/signal-policy.js'
import { EMPTY_SIGNAL_POLICY, type PollObservation, type SignalEvent, type SignalPolicyOptions, type SignalPolicyState } from '../../../internal/origin/signal-policy-state.js'

export const A = 'http://127.0.0.1:1001'
export const B = 'http://127.0.0.1:1002'
export const RENDITIONS = ['hi', 'lo'] as const

/** What a packager answers at a time: a playlist, or an error text. */
export type Packager = (now: number) => MediaPlaylist | string

export interface PlaylistShape {
  /** Segment length, ms (also the target duration). Default 2000. */
  readonly segMs?: number
  /** Segments listed. Default 6. */
  readonly window?: number
  /** Added to every PDT (a clock elsewhere). */
  readonly pdtShiftMs?: number
  /** Segment names: epoch-locked names are the MSN. */
  readonly uri?: (msn: number) => string
}

export function playlistUpTo (newest: number, pdtOfMsn: (msn: number) => number, shape: PlaylistShape = {}): MediaPlaylist {
  const segMs = shape.segMs ?? 2000
  const count = Math.min(shape.window ?? 6, newest + 1)
  const segments: Segment[] = []
  for (let msn = newest - count + 1; msn <= newest; msn++) {
    segments.push({ msn, uri: shape.uri?.(msn) ?? `${msn}.ts`, duration: segMs / 1000, discontinuity: false, programDateTimeMs: pdtOfMsn(msn) + (shape.pdtShiftMs ?? 0) })
  }
  return { kind: 'media', version: 3, targetDuration: segMs / 1000, mediaSequence: newest - count + 1, discontinuitySequence: 0, segments, endList: false, independentSegments: true }
}

/** An epoch-locked packager: MSN = epoch / segment length, PDT = MSN * segment length. */
export function epochPackager (shape: PlaylistShape & { readonly lag?: number } = {}): Packager {
  const segMs = shape.segMs ?? 2000
  return (now) => playlistUpTo(Math.floor(now / segMs) - 1 - (shape.lag ?? 0), (msn) => msn * segMs, shape)
}

/** An encoder that is not epoch-locked: started at `startedAt`, MSN from 0, its own names and clock. */
export function freePackager (startedAt: number, shape: PlaylistShape = {}): Packager {
  const segMs = shape.segMs ?? 2000
  return (now) => {
    const produced = Math.floor((now - startedAt) / segMs)
    if (produced <= 0) return 'not started'
    return playlistUpTo(produced - 1, (msn) => startedAt + msn * segMs + 333, { uri: (m) => `free${m}.ts`, ...shape })
  }
}

/** The same packager, answering `error` during [from, to). */
export function downDuring (packager: Packager, from: number, to: number, error = 'ECONNREFUSED'): Packager {
  return (now) => now >= from && now < to ? error : packager(now)
}

/** The same packager, frozen from `at` on: it keeps answering the playlist it had then. */
export function frozenFrom (packager: Packager, at: number): Packager {
  return (now) => packager(Math.min(now, at))
}

export function policyOptions (overrides: Partial<SignalPolicyOptions> = {}): SignalPolicyOptions {
  return {
    sources: [A, B],
    timeline: DEFAULT_TIMELINE_OPTIONS,
    health: DEFAULT_HEALTH_OPTIONS,
    recoveryHoldMs: 6000,
    failover: FOLLOW_HEALTHY,
    ...overrides
  }
}

export interface TimedEvent { readonly at: number, readonly event: SignalEvent }

export interface Simulation {
  state: SignalPolicyState
  readonly events: TimedEvent[]
  /** Runs steps every `stepMs` up to and including `until`. */
  runUntil: (until: number) => void
  /** The state as it was after the step at each time. */
  readonly history: Array<{ readonly at: number, readonly state: SignalPolicyState }>
}

export interface SimulationSetup {
  readonly packagers: Readonly<Record<string, Packager>>
  readonly options?: SignalPolicyOptions
  readonly startAt?: number
  readonly stepMs?: number
  /** The reporter's view at a time (undefined: unreachable). */
  readonly reporter?: (now: number) => readonly string[] | undefined
}

export function simulate (setup: SimulationSetup): Simulation {
  const options = setup.options ?? policyOptions()
  const stepMs = setup.stepMs ?? 500
  const latest = new Map<string, Map<string, MediaPlaylist>>()
  let now = setup.startAt ?? 1_000_000
  const sim: Simulation = {
    state: EMPTY_SIGNAL_POLICY,
    events: [],
    history: [],
    runUntil (until) {
      for (; now <= until; now += stepMs) {
        const polls: PollObservation[] = []
        for (const [sourceId, packager] of Object.entries(setup.packagers)) {
          const answer = packager(now)
          for (const rendition of RENDITIONS) {
            if (typeof answer === 'string') {
              polls.push({ sourceId, rendition, at: now, error: answer })
            } else {
              polls.push({ sourceId, rendition, at: now, playlist: answer })
              const served = latest.get(sourceId) ?? new Map<string, MediaPlaylist>()
              served.set(rendition, answer)
              latest.set(sourceId, served)
            }
          }
        }
        const step = advanceSignal(sim.state, { polls, renditions: RENDITIONS, latest, reporter: setup.reporter?.(now) }, now, options)
        sim.state = step.state
        for (const event of step.events) sim.events.push({ at: now, event })
        sim.history.push({ at: now, state: step.state })
      }
    }
  }
  return sim
}

export function failovers (sim: Simulation): Array<{ at: number, from?: string, to: string, reason?: string }> {
  return sim.events.flatMap(({ at, event }) => event.kind === 'active-source' && event.from !== undefined ? [{ at, from: event.from, to: event.to, ...(event.reason === undefined ? {} : { reason: event.reason }) }] : [])
}
