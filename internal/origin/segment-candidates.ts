/** Pure: the order in which packagers are asked for one output segment. */
import { findOutputSegment, lastOutputMsn } from '../hls/signal-timeline.js'
import type { SignalPolicyOptions, SignalPolicyState } from './signal-policy-state.js'

/** A packager and the URI it lists the segment under (relative to its media playlist). */
export interface SegmentCandidate {
  readonly sourceId: string
  readonly uri: string
}

/**
 * The packagers that list the segment, best first; for an epoch-locked name just outside the
 * window, every allow-listed packager; otherwise undefined (not this signal's segment).
 */
export function rankedSegmentCandidates (state: SignalPolicyState, options: SignalPolicyOptions, rendition: string, name: string): readonly SegmentCandidate[] | undefined {
  const byPreference = (a: string, b: string): number => preference(state, a) - preference(state, b)
  const found = findOutputSegment(state.timeline, rendition, name)
  if (found !== undefined) {
    return found.candidates
      .filter((c) => options.sources.includes(c.sourceId))
      .map((c) => ({ sourceId: c.sourceId, uri: c.uri }))
      .sort((a, b) => byPreference(a.sourceId, b.sourceId))
  }
  // epoch-locked names are the same on every packager, so one just outside our window (an origin
  // that restarted, a slow player) is still found upstream; anything further off is not asked
  // for, so a client walking through numbers cannot multiply upstream requests
  if (/^\d{1,16}\.ts$/.test(name) && nearLiveEdge(state, options, Number(name.slice(0, -3)))) {
    return [...options.sources].sort(byPreference).map((sourceId) => ({ sourceId, uri: name }))
  }
  return undefined
}

function nearLiveEdge (state: SignalPolicyState, options: SignalPolicyOptions, msn: number): boolean {
  const last = lastOutputMsn(state.timeline)
  if (last === undefined) return false
  const reach = 3 * Math.max(options.timeline.windowSize, state.timeline.entries.length)
  return msn >= last - reach && msn <= last + 2
}

/**
 * Lower is tried first: eligible before merely up before down, then the one that answered most
 * recently, so a packager that just froze is not tried first and does not cost a timeout.
 */
// the active packager first: consecutive segments then come from one encoder, whose MPEG-TS
// continuity counters run on across segment boundaries (a strict demuxer such as ffmpeg's
// flags every switch between redundant encoders as a corrupt packet)
export function preference (state: SignalPolicyState, base: string): number {
  const verdict = state.verdicts[base]
  const rank = verdict?.eligible === true ? (base === state.activeSource ? 0 : 1) : verdict?.up === true ? 2 : 3
  const lastOkAt = state.health.sources[base]?.lastOkAt ?? 0
  return rank * 1e15 - lastOkAt
}

/** `uri` as listed in the media playlist at `playlistPath`, as a path from the packager's root. */
export function resolveRelative (playlistPath: string, uri: string): string {
  const dir = playlistPath.slice(0, playlistPath.lastIndexOf('/') + 1)
  return dir + uri
}
