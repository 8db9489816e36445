import { failureForError, failureForStatus, UPSTREAM_FAILURES, type UpstreamFailure } from '../http/upstream-failure.js'

/** What discovery says of a probe besides an upstream failure: outcomes of reading the playlist. */
const PROBE_OUTCOMES = ['ok', 'stale', 'empty', 'foreign_variant', 'healthcheck_http'] as const

/** Label values of the probe metric: a fixed set, whatever a packager answers. */
export const PROBE_METRIC_REASONS = [...PROBE_OUTCOMES, ...UPSTREAM_FAILURES] as const
export type ProbeMetricReason = typeof PROBE_METRIC_REASONS[number]

/** Why a request failed, as a report says it: the shared upstream failure code ('refused', 'too_large', ...). */
export function reasonForError (err: unknown): UpstreamFailure {
  return failureForError(err)
}

/** Collapses a report reason ('http 404', 'healthcheck http 503', 'foreign variant', ...) into the fixed metric set. */
export function metricReasonFor (reason: string): ProbeMetricReason {
  if (reason.startsWith('healthcheck http')) return 'healthcheck_http'
  const http = /http (\d{3})$/.exec(reason)
  if (http !== null) return failureForStatus(Number(http[1]))
  const label = reason.replace(/ /g, '_')
  return (PROBE_METRIC_REASONS as readonly string[]).includes(label) ? label as ProbeMetricReason : 'error'
}
