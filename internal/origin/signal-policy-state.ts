/**
 * The data of the origin's failover policy for one signal: its state, what it is fed each step and
 * what it answers. Plain data, no clock; advanceSignal (signal-policy.ts) is the one step over it.
 */
import type { MediaPlaylist } from '../hls/media-playlist.js'
import { EMPTY_HEALTH, type SourceHealthOptions, type SourceHealthState, type SourceVerdict } from '../hls/source-health.js'
import { EMPTY_TIMELINE, type SourceReport, type TimelineOptions, type TimelineState } from '../hls/timeline-state.js'
import type { FailoverStrategy } from './failover-strategy.js'

export interface SignalPolicyState {
  readonly health: SourceHealthState
  /** Each source's verdict at the last step. */
  readonly verdicts: Readonly<Record<string, SourceVerdict>>
  readonly timeline: TimelineState
  /** The packager new segments are credited to; it changes only on a failover. */
  readonly activeSource?: string
  /** Sources seen advancing: from then on judged by their progress, not by their clock. */
  readonly advancing: Readonly<Record<string, true>>
  /** The newest MSN a source listed at its first poll, until it is seen advancing. */
  readonly firstNewestMsn: Readonly<Record<string, number>>
}

export const EMPTY_SIGNAL_POLICY: SignalPolicyState = Object.freeze({
  health: EMPTY_HEALTH,
  verdicts: Object.freeze({}),
  timeline: EMPTY_TIMELINE,
  advancing: Object.freeze({}),
  firstNewestMsn: Object.freeze({})
})

export interface SignalPolicyOptions {
  /** Allow-listed packager base URLs, in the operator's order. */
  readonly sources: readonly string[]
  readonly timeline: TimelineOptions
  readonly health: SourceHealthOptions
  /** RECOVERY_HOLD in ms: counted in target durations of the stream as it is, not of an assumed one. */
  readonly recoveryHoldMs?: number
  /** A playlist whose newest segment ended longer ago than this is not live, whatever else it says. */
  readonly maxPlaylistAgeMs?: number
  /** Which sources may serve: the product's failover, or a test's control that never fails over. */
  readonly failover: FailoverStrategy
}

/** One answer of one rendition's poller, as it arrived. */
export interface PollObservation {
  readonly sourceId: string
  readonly rendition: string
  /** Epoch ms of the answer. */
  readonly at: number
  readonly playlist?: MediaPlaylist
  readonly error?: string
}

/** What the shell saw since the last step. */
export interface SignalObservations {
  /** Poll answers in the order they arrived. */
  readonly polls: readonly PollObservation[]
  /** The ladder's rendition keys; the first is the reference the health is judged on. */
  readonly renditions: readonly string[]
  /** source -> rendition -> the newest playlist it served (what its pollers hold now). */
  readonly latest: ReadonlyMap<string, ReadonlyMap<string, MediaPlaylist>>
  /** The reporter's healthy packagers while it is reachable; undefined: the origin's own probes alone. */
  readonly reporter: readonly string[] | undefined
}

export type SignalEvent =
  /** The output timeline changed: the playlists must be rendered again. */
  | { readonly kind: 'output-changed' }
  /** A packager whose timeline did not line up was stitched in with a discontinuity. */
  | { readonly kind: 'stitch', readonly count: number, readonly report: Readonly<Record<string, SourceReport>> }
  /** No packager had a segment: listed as EXT-X-GAP. */
  | { readonly kind: 'gap', readonly count: number, readonly lastMsn: number | undefined }
  /** New segments are now credited to `to`; `from` is set when this is a failover. */
  | { readonly kind: 'active-source', readonly to: string, readonly from?: string, readonly reason?: string }
  /** No packager serves the whole ladder yet, and there is no output: the layout may be wrong. */
  | { readonly kind: 'ladder-unserved' }

export interface SignalStep {
  readonly state: SignalPolicyState
  readonly events: readonly SignalEvent[]
}
