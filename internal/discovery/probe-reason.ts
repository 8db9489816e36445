/** Label values of the probe metric: a fixed set, whatever a packager answers. */
export const PROBE_METRIC_REASONS = ['ok', 'stale', 'refused', 'timeout', 'reset', 'dns', 'too_large', 'malformed', 'empty', 'foreign_variant', 'healthcheck_http', 'http_4xx', 'http_5xx', 'http_other', 'error'] as const
export type ProbeMetricReason = typeof PROBE_METRIC_REASONS[number]

const TIMEOUT_CODES = new Set(['UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'ETIMEDOUT', 'ABORT_ERR', 'UND_ERR_ABORTED'])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])

/** Why a request failed, in the words a report uses: 'refused', 'timeout', 'reset', 'dns', 'too large' or 'error'. */
export function reasonForError (err: unknown): string {
  const { code, name } = (err ?? {}) as { code?: unknown, name?: unknown }
  if (name === 'TimeoutError' || name === 'AbortError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'timeout'
  if (code === 'ECONNREFUSED') return 'refused'
  if (typeof code === 'string' && RESET_CODES.has(code)) return 'reset'
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns'
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') return 'too large'
  // happy-eyeballs connects (localhost -> ::1 and 127.0.0.1) fail with an AggregateError of both attempts
  if (err instanceof AggregateError && err.errors.length > 0) {
    const reasons = err.errors.map(reasonForError)
    return reasons.includes('timeout') ? 'timeout' : reasons[0] ?? 'error'
  }
  return 'error'
}

/** Collapses a report reason ('http 404', 'healthcheck http 503', ...) into the fixed metric set. */
export function metricReasonFor (reason: string): ProbeMetricReason {
  if (reason.startsWith('healthcheck http')) return 'healthcheck_http'
  const http = /http (\d)\d\d$/.exec(reason)
  if (http !== null) return http[1] === '4' ? 'http_4xx' : http[1] === '5' ? 'http_5xx' : 'http_other'
  const label = reason.replace(/ /g, '_')
  return (PROBE_METRIC_REASONS as readonly string[]).includes(label) ? label as ProbeMetricReason : 'error'
}
