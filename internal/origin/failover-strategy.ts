/**
 * Which packagers may serve a signal: the one place the product's failover and a test's
 * no-failover control differ. A session is given one of these; it never asks which one it has.
 */
import type { SourceVerdict } from '../hls/source-health.js'
import { findOutputSegment } from '../hls/signal-timeline.js'
import type { SignalPolicyOptions, SignalPolicyState } from './signal-policy-state.js'
import { rankedSegmentCandidates, type SegmentCandidate } from './segment-candidates.js'

export interface FailoverStrategy {
  /** For logs: which strategy a session runs. */
  readonly name: string
  /** The sources that may provide new segments now, judged by the health verdicts and the reporter's view. */
  eligible: (sources: readonly string[], verdicts: Readonly<Record<string, SourceVerdict>>, reporter: readonly string[] | undefined) => ReadonlySet<string>
  /** Where a segment can be fetched from, tried in this order; undefined when it is not this signal's. */
  segmentCandidates: (state: SignalPolicyState, options: SignalPolicyOptions, rendition: string, name: string) => readonly SegmentCandidate[] | undefined
}

/** The product: follow every healthy packager the reporter also trusts, and fail over between them. */
export const FOLLOW_HEALTHY: FailoverStrategy = Object.freeze({
  name: 'follow-healthy',
  eligible: (sources: readonly string[], verdicts: Readonly<Record<string, SourceVerdict>>, reporter: readonly string[] | undefined): ReadonlySet<string> => {
    const ownEligible = sources.filter((base) => verdicts[base]?.eligible === true)
    const gated = reporter === undefined ? ownEligible : ownEligible.filter((base) => reporter.includes(base))
    // the reporter only narrows the choice; it never leaves the output with no source our probes trust
    return new Set(gated.length > 0 ? gated : ownEligible)
  },
  segmentCandidates: rankedSegmentCandidates
})

/**
 * The chaos suite's control (ORIGIN_TEST_ONLY_NO_FAILOVER): follow and fetch from the first
 * allow-listed packager alone, so every fault it has reaches the players. Tests only.
 */
export const FIRST_SOURCE_ONLY: FailoverStrategy = Object.freeze({
  name: 'first-source-only',
  eligible: (sources: readonly string[]): ReadonlySet<string> => new Set(sources.slice(0, 1)),
  segmentCandidates: (state: SignalPolicyState, options: SignalPolicyOptions, rendition: string, name: string): readonly SegmentCandidate[] => {
    const first = options.sources[0]
    const found = findOutputSegment(state.timeline, rendition, name)
    if (first === undefined || (found !== undefined && !found.candidates.some((c) => c.sourceId === first))) return []
    return [{ sourceId: first, uri: name }]
  }
})

/** The strategy a configured origin runs: ORIGIN_TEST_ONLY_NO_FAILOVER picks the chaos control. */
export function failoverStrategyFor (config: { readonly testOnlyNoFailover: boolean }): FailoverStrategy {
  return config.testOnlyNoFailover ? FIRST_SOURCE_ONLY : FOLLOW_HEALTHY
}
