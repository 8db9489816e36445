import type { EdgeView, IngestView } from './report-schema.js'

/**
 * What writers may register, per role, so that no writer can grow the reporter's answers past what
 * its readers take: discovery's signals and their packagers, the edges manager's edges.
 */
export interface RegistryLimits {
  /** REPORTER_MAX_SIGNALS: live signals (any unexpired report), over every discovery instance. */
  readonly maxSignals: number
  /** REPORTER_MAX_PACKAGERS_PER_SIGNAL: distinct unexpired packagers of one signal. */
  readonly maxPackagersPerSignal: number
  /** REPORTER_MAX_EDGES: live edges. */
  readonly maxEdges: number
}

export const DEFAULT_LIMITS: RegistryLimits = Object.freeze({ maxSignals: 256, maxPackagersPerSignal: 16, maxEdges: 64 })

/**
 * The origin's default cap on one reporter answer (REPORTER_MAX_ANSWER_BYTES): the largest answer
 * at DEFAULT_LIMITS (about 3.1 MiB), rounded up to whole MiB. A test keeps the two in step.
 */
export const DEFAULT_REPORTER_ANSWER_BYTES = 4 * 1024 * 1024

/** The longest URL a writer may register (packager or edge): a base URL, not a document. */
export const MAX_URL_LENGTH = 256
/** Longest `last_change` text a report may carry (an RFC 3339 time with milliseconds is 24). */
export const MAX_TIME_LENGTH = 40

const LONGEST = {
  signal: 'S'.repeat(64),
  url: `http://${'h'.repeat(MAX_URL_LENGTH - 7)}`,
  reason: 'r'.repeat(64),
  integer: Number.MAX_SAFE_INTEGER,
  time: 'T'.repeat(MAX_TIME_LENGTH),
  // '+0530' zones print one character longer than whole hours
  lastReported: 'Fri, 05 Apr 2024 11:23:45 +0530',
  iso: '2024-04-05T14:23:45.000Z',
  edgeId: 'E'.repeat(64)
}
// the longest text JSON gives a non-negative double, e.g. 0.0000012345678901234567 or 1.2345678901234567e+308
const NUMBER_TEXT = 24

/** GET /ingests with every limit reached by the longest allowed values: what a reader must be able to take. */
export function largestIngestsAnswerBytes (limits: RegistryLimits): number {
  const view: IngestView = {
    signal: LONGEST.signal,
    packagers: Array.from({ length: limits.maxPackagersPerSignal }, () => LONGEST.url),
    last_reported: LONGEST.lastReported,
    details: Array.from({ length: limits.maxPackagersPerSignal }, () => ({
      url: LONGEST.url,
      healthy: false,
      reason: LONGEST.reason,
      media_sequence: LONGEST.integer,
      last_change: LONGEST.time,
      playlist_age_ms: LONGEST.integer,
      reported_at: LONGEST.iso
    }))
  }
  return arrayBytes(Buffer.byteLength(JSON.stringify(view)), limits.maxSignals)
}

/** GET /edges at the edge limit with the longest allowed values. */
export function largestEdgesAnswerBytes (limits: RegistryLimits): number {
  const view: EdgeView = { id: LONGEST.edgeId, url: LONGEST.url, load_rps: 0, draining: false, last_reported: LONGEST.lastReported }
  return arrayBytes(Buffer.byteLength(JSON.stringify(view)) - 1 + NUMBER_TEXT, limits.maxEdges)
}

/** The larger of the two answers: what a reader's size cap must allow at these limits. */
export function largestAnswerBytes (limits: RegistryLimits): number {
  return Math.max(largestIngestsAnswerBytes(limits), largestEdgesAnswerBytes(limits))
}

// '[' + n items + (n - 1) commas + ']'
function arrayBytes (itemBytes: number, count: number): number {
  return 2 + count * itemBytes + Math.max(0, count - 1)
}
