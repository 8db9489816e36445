import { Type, type Static } from '@sinclair/typebox'
import { NAME_PATTERNS } from '../hls/names.js'
import { MAX_TIME_LENGTH, MAX_URL_LENGTH } from './reporter-limits.js'

// JSON Schema patterns are strings; keep them in step with internal/hls/names.ts
const SIGNAL_PATTERN = NAME_PATTERNS.signal.source
const HTTP_URL = { format: 'uri', pattern: '^https?://', maxLength: MAX_URL_LENGTH } as const
const COUNT = { minimum: 0, maximum: Number.MAX_SAFE_INTEGER } as const
const TTL_MS = Type.Integer({ minimum: 100, maximum: 3_600_000, description: 'how long this report stays valid; capped by REPORTER_MAX_TTL' })

/** What discovery found for one packager of one signal. */
export const PackagerStatusSchema = Type.Object({
  url: Type.String(HTTP_URL),
  healthy: Type.Boolean(),
  /** Why: 'ok', 'stale', 'refused', 'timeout', 'malformed', 'http 404', ... */
  reason: Type.String({ pattern: '^[a-z0-9][a-z0-9 ._-]{0,63}$' }),
  media_sequence: Type.Optional(Type.Integer(COUNT)),
  last_change: Type.Optional(Type.String({ format: 'date-time', maxLength: MAX_TIME_LENGTH })),
  playlist_age_ms: Type.Optional(Type.Integer(COUNT))
})
export type PackagerStatus = Static<typeof PackagerStatusSchema>

/** Body of POST /ingests: one signal, every packager discovery probed for it. */
export const IngestReportSchema = Type.Object({
  signal: Type.String({ pattern: SIGNAL_PATTERN }),
  packagers: Type.Array(PackagerStatusSchema, { minItems: 1, maxItems: 64 }),
  ttl_ms: Type.Optional(TTL_MS)
})
export type IngestReport = Static<typeof IngestReportSchema>

export const EdgeStatusSchema = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
  url: Type.String(HTTP_URL),
  /** Requests per second the edge served lately, for scaling and spreading. */
  load_rps: Type.Number({ minimum: 0 }),
  /** Leaving: keeps serving the segments already listed on it, but takes no new ones. */
  draining: Type.Optional(Type.Boolean())
})
export type EdgeStatus = Static<typeof EdgeStatusSchema>

/** Body of POST /edges: a heartbeat for one or more live edges. */
export const EdgeReportSchema = Type.Object({
  edges: Type.Array(EdgeStatusSchema, { minItems: 1, maxItems: 256 }),
  ttl_ms: Type.Optional(TTL_MS)
})
export type EdgeReport = Static<typeof EdgeReportSchema>

export const SignalParamsSchema = Type.Object({ signal: Type.String({ maxLength: 200 }) })

/** One entry of GET /ingests: the Go original's three fields (docs/design.md) plus per-packager detail. */
export interface IngestView {
  readonly signal: string
  /** Healthy packagers only, sorted by URL. */
  readonly packagers: readonly string[]
  /** 'Mon, 02 Jan 2006 15:04:05 -07' in the reporter's local time zone, as the Go original. */
  readonly last_reported: string
  readonly details: ReadonlyArray<{
    readonly url: string
    readonly healthy: boolean
    readonly reason: string
    readonly media_sequence: number | null
    readonly last_change: string | null
    readonly playlist_age_ms: number | null
    readonly reported_at: string
  }>
}

/** One entry of GET /edges. */
export interface EdgeView {
  readonly id: string
  readonly url: string
  readonly load_rps: number
  readonly draining: boolean
  readonly last_reported: string
}

/** Body of POST /workers: a worker's heartbeat, which the answer follows with its assignment. */
export const WorkerHeartbeatSchema = Type.Object({
  id: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$' }),
  host: Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9_.:-]{0,252}$' }),
  /** Ladder encodes it can carry at once. */
  capacity: Type.Integer({ minimum: 0, maximum: 10_000 }),
  /** A regex over stream names; only matching streams are placed on it. */
  stream_filter: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })),
  packager: Type.String(HTTP_URL),
  load: Type.Integer({ minimum: 0, maximum: 10_000 }),
  /** Streams it encodes now. */
  streams: Type.Array(Type.String({ pattern: SIGNAL_PATTERN }), { maxItems: 1000 }),
  ttl_ms: Type.Optional(TTL_MS)
})
export type WorkerHeartbeat = Static<typeof WorkerHeartbeatSchema>

export const StreamParamsSchema = Type.Object({ name: Type.String({ maxLength: 200 }) })
