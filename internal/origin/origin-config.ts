import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { readSigningKey } from '../auth/signing-key.js'
import { readOriginPathways, type OriginPathway } from './origin-pathways.js'
import { ConfigError } from '../config/config-error.js'
import { readBoolean, readDurationMs, readHttpUrlList, readInteger, readOptionalString, type Env } from '../config/env-readers.js'
import { localPackagerUrls, readOriginPort, readPackagerPorts, readReporterUrls } from '../config/peer-addresses.js'
import { readMaxPlaylistAgeMs } from '../config/playlist-age.js'
import { readEdgePorts } from '../config/edge-ports.js'
import { parseAllowlist, type AllowedOrigin } from '../config/url-allowlist.js'
import { DEFAULT_REPORTER_ANSWER_BYTES } from '../reporter/reporter-limits.js'

export interface OriginConfig extends CommonConfig {
  readonly port: number
  readonly reporterUrls: readonly string[]
  /** The only packagers ever fetched from, whatever the reporter says. */
  readonly packagerAllowlist: readonly string[]
  /**
   * EDGE_ALLOWLIST: the only edge base URLs segment URIs are ever rewritten onto (or probed),
   * whatever the reporter lists. Default: the edges manager's own range on this host.
   */
  readonly edgeAllowlist: readonly AllowedOrigin[]
  readonly reporterPollMs: number
  /** REPORTER_MAX_ANSWER_BYTES: cap on one GET /ingests or /edges answer, sized for the reporter's largest. */
  readonly reporterMaxAnswerBytes: number
  readonly upstreamConnectTimeoutMs: number
  readonly upstreamTimeoutMs: number
  readonly maxPlaylistBytes: number
  readonly maxSegmentBytes: number
  readonly segmentCacheBytes: number
  readonly windowSegments: number
  /** How long a recovered packager must stay healthy and in step before it is used again. */
  readonly recoveryHoldMs: number
  /** A packager whose newest segment ended longer ago than this is not live (a playlist left on disk). */
  readonly maxPlaylistAgeMs: number
  /**
   * EDGE_VIEW_MAX_STALE: how long an edge is trusted without a good word about it (the reporter
   * listing it, or its /_edge/healthz answering the origin's probe). With EDGE_PROBE off: how long
   * the last edge set is kept while the reporter is away.
   */
  readonly edgeViewMaxStaleMs: number
  /** EDGE_UNLISTED_GRACE: an edge the reporter stops listing while it answers our probe stays, draining, this long (0: dropped at once). */
  readonly edgeUnlistedGraceMs: number
  /** EDGE_PROBE: while the reporter cannot vouch for the edges it listed, the origin probes them itself. */
  readonly edgeProbe: boolean
  /** EDGE_PROBE_FAILURES: failed probes in a row that drop an edge while the reporter is away. */
  readonly edgeProbeFailures: number
  /** EDGE_PROBE_TIMEOUT: per probe; at most REPORTER_POLL_INTERVAL (one probe per edge per interval). */
  readonly edgeProbeTimeoutMs: number
  /** SIGNING_KEY: when set, playlists and segments need a signed token (exp/sig query); unset = open. */
  readonly signingKey: string | undefined
  /**
   * ORIGIN_TEST_ONLY_NO_FAILOVER=1, for the chaos suite's "it can fail" test only: the origin
   * follows the first allow-listed packager alone (health and the reporter are ignored) and fetches
   * segments from it alone, so a fault there reaches players. Off by default; never set it in service.
   */
  readonly testOnlyNoFailover: boolean
  /** ORIGIN_PATHWAYS: every origin replica players can reach, as Content Steering pathways; undefined = one origin. */
  readonly pathways: readonly OriginPathway[] | undefined
  /** STATUS_PAGE: serve the operator status page (/, /status.json, /status/events); off on an origin the public reaches directly. */
  readonly statusPage: boolean
}

export function loadOriginConfig (env: Env): OriginConfig {
  const common = loadCommonConfig(env)
  const packagerPorts = readPackagerPorts(env)
  const reporterPollMs = readDurationMs(env, 'REPORTER_POLL_INTERVAL', 1000, { minMs: 100, maxMs: 60_000 })
  const edges = readEdgeProbeConfig(env, reporterPollMs)
  return Object.freeze({
    ...common,
    port: readOriginPort(env),
    reporterUrls: Object.freeze(readReporterUrls(env)),
    packagerAllowlist: Object.freeze(readHttpUrlList(env, 'PACKAGER_ALLOWLIST', localPackagerUrls(packagerPorts))),
    edgeAllowlist: readEdgeAllowlist(env, common),
    reporterPollMs,
    reporterMaxAnswerBytes: readInteger(env, 'REPORTER_MAX_ANSWER_BYTES', DEFAULT_REPORTER_ANSWER_BYTES, { min: 64 * 1024, max: 256 * 1024 * 1024 }),
    upstreamConnectTimeoutMs: readDurationMs(env, 'UPSTREAM_CONNECT_TIMEOUT', 500, { minMs: 50, maxMs: 10_000 }),
    upstreamTimeoutMs: readDurationMs(env, 'UPSTREAM_TIMEOUT', 1500, { minMs: 100, maxMs: 30_000 }),
    maxPlaylistBytes: readInteger(env, 'MAX_PLAYLIST_BYTES', 1024 * 1024, { min: 1024, max: 64 * 1024 * 1024 }),
    maxSegmentBytes: readInteger(env, 'MAX_SEGMENT_BYTES', 32 * 1024 * 1024, { min: 64 * 1024, max: 1024 * 1024 * 1024 }),
    segmentCacheBytes: readInteger(env, 'ORIGIN_CACHE_MB', 256, { min: 1, max: 65536 }) * 1024 * 1024,
    windowSegments: readInteger(env, 'ORIGIN_WINDOW_SEGMENTS', 6, { min: 3, max: 100 }),
    recoveryHoldMs: readDurationMs(env, 'RECOVERY_HOLD', 6000, { minMs: 0, maxMs: 600_000 }),
    maxPlaylistAgeMs: readMaxPlaylistAgeMs(env),
    ...edges,
    signingKey: readSigningKey(env),
    testOnlyNoFailover: readBoolean(env, 'ORIGIN_TEST_ONLY_NO_FAILOVER', false),
    // signed playback means a public origin: the operator page and its data stay off unless asked for
    statusPage: readBoolean(env, 'STATUS_PAGE', readSigningKey(env) === undefined),
    pathways: readOriginPathways(env)
  })
}

type EdgeProbeConfig = Pick<OriginConfig, 'edgeViewMaxStaleMs' | 'edgeUnlistedGraceMs' | 'edgeProbe' | 'edgeProbeFailures' | 'edgeProbeTimeoutMs'>

// one probe per edge per poll interval, and a healthy edge must not lapse between two probe answers
function readEdgeProbeConfig (env: Env, pollMs: number): EdgeProbeConfig {
  const edgeProbe = readBoolean(env, 'EDGE_PROBE', true)
  const edgeProbeFailures = readInteger(env, 'EDGE_PROBE_FAILURES', 3, { min: 1, max: 20 })
  const edgeProbeTimeoutMs = readDurationMs(env, 'EDGE_PROBE_TIMEOUT', Math.min(500, pollMs), { minMs: 50, maxMs: 10_000 })
  if (edgeProbeTimeoutMs > pollMs) throw new ConfigError('EDGE_PROBE_TIMEOUT', `${edgeProbeTimeoutMs}ms must not exceed REPORTER_POLL_INTERVAL (${pollMs}ms): one probe per edge per poll interval`)
  const edgeViewMaxStaleMs = readDurationMs(env, 'EDGE_VIEW_MAX_STALE', Math.max(30_000, 2 * pollMs), { minMs: 0, maxMs: 3_600_000 })
  const between = pollMs + edgeProbeTimeoutMs
  if (edgeProbe && edgeViewMaxStaleMs < between) {
    throw new ConfigError('EDGE_VIEW_MAX_STALE', `${edgeViewMaxStaleMs}ms is below REPORTER_POLL_INTERVAL + EDGE_PROBE_TIMEOUT (${between}ms), so a healthy edge would lapse between two probes; allowed: at least ${between}ms, or EDGE_PROBE=false`)
  }
  const edgeUnlistedGraceMs = readDurationMs(env, 'EDGE_UNLISTED_GRACE', 30_000, { minMs: 0, maxMs: 3_600_000 })
  return { edgeViewMaxStaleMs, edgeUnlistedGraceMs, edgeProbe, edgeProbeFailures, edgeProbeTimeoutMs }
}

/**
 * EDGE_ALLOWLIST, or by default what the edges manager started with the same environment serves:
 * http://EDGE_PUBLIC_HOST:EDGES_BASE_PORT-(EDGES_BASE_PORT + EDGES_PORT_SPAN - 1), read by the
 * manager's own rule (http://127.0.0.1:8101-8124 for `make run-local`).
 */
function readEdgeAllowlist (env: Env, common: CommonConfig): readonly AllowedOrigin[] {
  const value = readOptionalString(env, 'EDGE_ALLOWLIST')
  if (value !== undefined) return Object.freeze(parseAllowlist('EDGE_ALLOWLIST', value))
  const ports = readEdgePorts(env, common)
  const host = ports.publicHost.includes(':') ? `[${ports.publicHost}]` : ports.publicHost
  return Object.freeze(parseAllowlist('EDGE_ALLOWLIST', `http://${host}:${ports.basePort}-${ports.basePort + ports.portSpan - 1}`))
}
