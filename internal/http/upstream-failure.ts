/**
 * Why a request to another service failed, in one vocabulary for every service (the origin's
 * packager fetches, discovery's probes and reports, the edges manager's heartbeats), so a metric
 * label or a health reason means the same thing wherever it is read. Like undici's UND_ERR_* codes,
 * these are stable: add a code, never respell one.
 */
export const UPSTREAM_FAILURES = [
  'refused', 'reset', 'timeout', 'dns', 'too_large', 'malformed',
  'http_404', 'http_4xx', 'http_5xx', 'http_other', 'error'
] as const
export type UpstreamFailure = typeof UPSTREAM_FAILURES[number]

/** The failure an answered status stands for; callers decide which statuses are a success. */
export function failureForStatus (status: number): UpstreamFailure {
  if (status === 404) return 'http_404'
  if (status >= 400 && status < 500) return 'http_4xx'
  if (status >= 500 && status < 600) return 'http_5xx'
  return 'http_other'
}

// our deadline (AbortSignal.timeout), undici's own timeouts, or an abort: the peer said nothing in time
const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT', 'UND_ERR_HEADERS_TIMEOUT', 'UND_ERR_BODY_TIMEOUT', 'UND_ERR_ABORTED', 'UND_ERR_ABORT',
  'ETIMEDOUT', 'ABORT_ERR'
])
const RESET_CODES = new Set(['ECONNRESET', 'EPIPE', 'UND_ERR_SOCKET', 'UND_ERR_CLOSED'])
const DNS_CODES = new Set(['ENOTFOUND', 'EAI_AGAIN'])
// an answer over our cap (body or headers)
const TOO_LARGE_CODES = new Set(['UND_ERR_RES_EXCEEDED_MAX_SIZE', 'UND_ERR_HEADERS_OVERFLOW'])
// an answer that is not well-formed HTTP: llhttp's HPE_* codes, a body shorter or longer than declared
const MALFORMED_CODES = new Set(['UND_ERR_RES_CONTENT_LENGTH_MISMATCH'])

/** The failure a thrown request error stands for (undici's, Node's or an AbortSignal's). */
export function failureForError (err: unknown): UpstreamFailure {
  const { code, name, statusCode } = (err ?? {}) as { code?: unknown, name?: unknown, statusCode?: unknown }
  if (name === 'TimeoutError' || name === 'AbortError' || (typeof code === 'string' && TIMEOUT_CODES.has(code))) return 'timeout'
  if (code === 'ECONNREFUSED') return 'refused'
  if (typeof code === 'string' && RESET_CODES.has(code)) return 'reset'
  if (typeof code === 'string' && DNS_CODES.has(code)) return 'dns'
  if (typeof code === 'string' && TOO_LARGE_CODES.has(code)) return 'too_large'
  if (name === 'HTTPParserError' || (typeof code === 'string' && (MALFORMED_CODES.has(code) || code.startsWith('HPE_')))) return 'malformed'
  // undici's ResponseError and RequestRetryError carry the status that ended the request
  if (typeof statusCode === 'number' && statusCode >= 100 && statusCode < 600) return failureForStatus(statusCode)
  // happy-eyeballs connects (localhost -> ::1 and 127.0.0.1) fail with an AggregateError of both attempts
  if (err instanceof AggregateError && err.errors.length > 0) {
    const failures = err.errors.map(failureForError)
    return failures.includes('timeout') ? 'timeout' : failures[0] ?? 'error'
  }
  return 'error'
}
