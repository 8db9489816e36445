/**
 * The origin's failover policy for one signal as one pure step: what the pollers saw since the
 * last step and the time in, the next state and what happened out. It judges each packager's
 * health ("stale until seen advancing" included), gates it by the reporter, advances the output
 * timeline, and names the active packager; the session turns the events into metrics and logs.
 */
import { lastMsn, type MediaPlaylist } from '../hls/media-playlist.js'
import { updateSourceHealth, type HealthObservation, type SourceHealthOptions, type SourceVerdict } from '../hls/source-health.js'
import { advanceTimeline, lastOutputMsn } from '../hls/signal-timeline.js'
import type { SourceInput } from '../hls/timeline-state.js'
import type { SegmentCandidate } from './segment-candidates.js'
import type { PollObservation, SignalEvent, SignalObservations, SignalPolicyOptions, SignalPolicyState, SignalStep } from './signal-policy-state.js'

export function advanceSignal (state: SignalPolicyState, observations: SignalObservations, now: number, options: SignalPolicyOptions): SignalStep {
  const judged = judgePolls(state, observations, options.maxPlaylistAgeMs)
  const health = updateSourceHealth(state.health, judged.observations, now, healthOptions(state, options))
  const inputs = sourceInputs(health.verdicts, observations, options)
  const result = advanceTimeline(state.timeline, { now, sources: inputs }, options.timeline)
  const events: SignalEvent[] = []
  if (result.state.targetDuration === undefined && ![...inputs.values()].some((input) => input.playlists.size > 0)) {
    events.push({ kind: 'ladder-unserved' })
  }
  if (result.stitches > 0) events.push({ kind: 'stitch', count: result.stitches, report: result.report })
  if (result.gaps > 0) events.push({ kind: 'gap', count: result.gaps, lastMsn: lastOutputMsn(result.state) })
  const active = nextActiveSource(state.activeSource, [result.state.preferredSourceId, ...options.sources], health.verdicts)
  if (active !== undefined) events.push(active)
  if (result.changed) events.push({ kind: 'output-changed' })
  return {
    state: {
      health: health.state,
      verdicts: health.verdicts,
      timeline: result.state,
      ...(active === undefined ? (state.activeSource === undefined ? {} : { activeSource: state.activeSource }) : { activeSource: active.to }),
      advancing: judged.advancing,
      firstNewestMsn: judged.firstNewestMsn
    },
    events
  }
}

/** Where a segment of the output can be fetched from, best first; undefined when it is not this signal's. */
export function segmentCandidates (state: SignalPolicyState, options: SignalPolicyOptions, rendition: string, name: string): readonly SegmentCandidate[] | undefined {
  return options.failover.segmentCandidates(state, options, rendition, name)
}

/**
 * RECOVERY_HOLD is a duration, but source-health counts holds in target durations: converted here
 * once, by the target duration the stream has (the output's once locked, before that the one the
 * packagers report), so the hold lasts what the operator asked whatever the segment length.
 */
export function healthOptions (state: SignalPolicyState, options: SignalPolicyOptions): SourceHealthOptions {
  const holdMs = options.recoveryHoldMs
  if (holdMs === undefined) return options.health
  return { ...options.health, holdTargetDurations: Math.max(1, holdMs / streamTargetDurationMs(state, options.health)) }
}

function streamTargetDurationMs (state: SignalPolicyState, health: SourceHealthOptions): number {
  if (state.timeline.targetDuration !== undefined) return state.timeline.targetDuration * 1000
  const reported = Object.values(state.health.sources).map((e) => e.targetDurationMs ?? 0)
  const largest = Math.max(0, ...reported)
  return largest > 0 ? largest : health.defaultTargetDurationMs
}

interface JudgedPolls {
  readonly observations: HealthObservation[]
  readonly advancing: Readonly<Record<string, true>>
  readonly firstNewestMsn: Readonly<Record<string, number>>
}

/** Each poll as a health observation; health is judged on the reference (first) rendition. */
function judgePolls (state: SignalPolicyState, observations: SignalObservations, maxAgeMs: number | undefined): JudgedPolls {
  const advancing: Record<string, true> = { ...state.advancing }
  const firstNewestMsn: Record<string, number> = { ...state.firstNewestMsn }
  const reference = observations.renditions[0]
  const judged: HealthObservation[] = []
  for (const poll of observations.polls) {
    const isReference = poll.rendition === reference
    const age = poll.playlist === undefined || !isReference ? undefined : ageUntilSeenAdvancing(poll, poll.playlist, advancing, firstNewestMsn)
    if (age !== undefined && maxAgeMs !== undefined && age > maxAgeMs) {
      // a worker that is gone leaves its last playlist on disk: answering is not being live
      judged.push({ sourceId: poll.sourceId, at: poll.at, ok: false, reason: `stale: newest segment ended ${Math.round(age / 1000)} s ago` })
    } else if (poll.playlist !== undefined) {
      if (isReference) judged.push(okObservation(poll.sourceId, poll.at, poll.playlist))
    } else {
      judged.push({ sourceId: poll.sourceId, at: poll.at, ok: false, reason: poll.error ?? 'error' })
    }
  }
  return { observations: judged, advancing, firstNewestMsn }
}

/**
 * The age of a playlist by its PROGRAM-DATE-TIME, until the source has been seen advancing. A
 * playlist left on disk never advances; a live packager whose clock is simply elsewhere (a
 * foreign or restarted encoder) does, and from then on is judged by its progress, not its clock.
 */
function ageUntilSeenAdvancing (poll: PollObservation, playlist: MediaPlaylist, advancing: Record<string, true>, firstNewestMsn: Record<string, number>): number | undefined {
  if (advancing[poll.sourceId] === true) return undefined
  const newest = lastMsn(playlist)
  const first = firstNewestMsn[poll.sourceId]
  if (first === undefined) firstNewestMsn[poll.sourceId] = newest
  else if (newest !== first) {
    advancing[poll.sourceId] = true
    return undefined
  }
  return playlistAgeMs(playlist, poll.at)
}

/** How long ago the newest segment ended, by its PROGRAM-DATE-TIME; undefined without one. */
function playlistAgeMs (playlist: MediaPlaylist, now: number): number | undefined {
  const newest = playlist.segments[playlist.segments.length - 1]
  if (newest?.programDateTimeMs === undefined) return undefined
  return now - (newest.programDateTimeMs + newest.duration * 1000)
}

function okObservation (sourceId: string, at: number, playlist: MediaPlaylist): HealthObservation {
  const newest = playlist.segments[playlist.segments.length - 1]
  return {
    sourceId,
    at,
    ok: true,
    newestMsn: lastMsn(playlist),
    newestDurationMs: (newest?.duration ?? playlist.targetDuration) * 1000,
    targetDurationMs: playlist.targetDuration * 1000
  }
}

/** What each source offers the timeline: its playlists while it is up and lists the whole ladder. */
function sourceInputs (verdicts: Readonly<Record<string, SourceVerdict>>, observations: SignalObservations, options: SignalPolicyOptions): Map<string, SourceInput> {
  const eligible = options.failover.eligible(options.sources, verdicts, observations.reporter)
  const inputs = new Map<string, SourceInput>()
  for (const base of options.sources) {
    const served = observations.latest.get(base)
    // only a source that lists every rendition: the timeline locks its renditions at the first output
    const complete = observations.renditions.length > 0 && observations.renditions.every((key) => served?.has(key) === true)
    const playlists = new Map<string, MediaPlaylist>()
    if (verdicts[base]?.up === true && complete) {
      for (const key of observations.renditions) playlists.set(key, served?.get(key) as MediaPlaylist)
    }
    inputs.set(base, { playlists, eligible: complete && eligible.has(base) })
  }
  return inputs
}

/**
 * The active packager is the one new segments are credited to. Epoch-locked packagers are a
 * union (either may list a segment first), so it changes only when the active one stops being
 * eligible: that is a failover.
 */
function nextActiveSource (previous: string | undefined, order: ReadonlyArray<string | undefined>, verdicts: Readonly<Record<string, SourceVerdict>>): Extract<SignalEvent, { kind: 'active-source' }> | undefined {
  if (previous !== undefined && verdicts[previous]?.eligible === true) return undefined
  const next = order.find((base) => base !== undefined && verdicts[base]?.eligible === true)
  if (next === undefined || next === previous) return undefined
  if (previous === undefined) return { kind: 'active-source', to: next }
  const reason = verdicts[previous]?.reason
  return { kind: 'active-source', to: next, from: previous, ...(reason === undefined ? {} : { reason }) }
}
