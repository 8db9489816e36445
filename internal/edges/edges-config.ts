import { readSigningKey } from '../auth/signing-key.js'
import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { readEdgePorts } from '../config/edge-ports.js'
import {
  readDurationMs, readHttpUrlList, readInteger, readOptionalString, readPort, readString, type Env
} from '../config/env-readers.js'
import { readOriginPort, readReporterUrls } from '../config/peer-addresses.js'
import { readWriterToken, TOKEN_VARIABLES } from '../config/writer-tokens.js'
import type { ScalePolicy } from './edge-scaler.js'
import { findNginx } from './nginx-binary.js'

export interface EdgesConfig extends CommonConfig {
  /** Port of the manager's /healthz and /metrics. */
  readonly port: number
  /** First edge port; edges take basePort, basePort+1, ... up to basePort+portSpan-1. */
  readonly basePort: number
  readonly portSpan: number
  /** Host in the URL an edge is advertised with (players fetch segments there). */
  readonly publicHost: string
  readonly originUrl: string
  /** Further origin replicas (ORIGIN_URL may list several): an edge fills from the next when one fails. */
  readonly originBackups: readonly string[]
  readonly reporterUrls: readonly string[]
  /** REPORTER_EDGES_TOKEN, else the shared REPORTER_TOKEN: may write POST /edges only. */
  readonly reporterToken: string | undefined
  /** The variable reporterToken came from, for hints. */
  readonly reporterTokenVariable: string
  /** Private prefix of every edge (config, pid files, cache) and the manager's liveness file. */
  readonly edgesDir: string
  /** Explicit nginx binary; undefined means `nginx` on PATH, then /usr/sbin/nginx. */
  readonly nginxPath: string | undefined
  readonly ttlMs: number
  /** Probe, heartbeat and scaling period. */
  readonly heartbeatMs: number
  /** How long an edge's watchdog keeps nginx alive without a manager touching manager.alive. */
  readonly orphanGraceMs: number
  /** How long a scaled-down edge keeps serving after it leaves the heartbeat, for players holding its URIs. */
  readonly drainMs: number
  readonly probeTimeoutMs: number
  /**
   * Consecutive failed probes of a running nginx before it is replaced: round probes (one per
   * heartbeat) that fail, or hang probes (one per hangProbeMs) left unanswered.
   */
  readonly unhealthyProbes: number
  /** The hang watch's round: a hung edge is replaced after unhealthyProbes of these without an answer. */
  readonly hangProbeMs: number
  readonly scale: ScalePolicy
  readonly cacheMaxSize: string
  readonly segmentCacheValid: string
  /** SIGNING_KEY, the origin's: set, edges refuse playlists and segments without a valid `st` token. */
  readonly signingKey: string | undefined
}

const NGINX_SIZE = /^\d{1,9}[kmg]?$/i
const NGINX_TIME = /^\d{1,9}(ms|s|m|h|d)?$/

export function loadEdgesConfig (env: Env): EdgesConfig {
  const common = loadCommonConfig(env)
  const { min, max, basePort, portSpan, publicHost } = readEdgePorts(env, common)
  const port = readPort(env, 'EDGES_PORT', 2002)
  if (port !== 0 && port >= basePort && port < basePort + portSpan) {
    throw new ConfigError('EDGES_PORT', `${port} lies inside the edge port range ${basePort}-${basePort + portSpan - 1}`)
  }
  const originPort = readOriginPort(env)
  const reporterUrls = Object.freeze(readReporterUrls(env))
  const token = readWriterToken(env, 'edges')
  const heartbeatMs = readDurationMs(env, 'EDGE_HEARTBEAT', 1000, { minMs: 100, maxMs: 60_000 })
  const ttlMs = readDurationMs(env, 'EDGE_TTL', 5000, { minMs: 200, maxMs: 600_000 })
  if (ttlMs < 2 * heartbeatMs) {
    throw new ConfigError('EDGE_TTL', `${ttlMs}ms must be at least two heartbeats (EDGE_HEARTBEAT is ${heartbeatMs}ms), or one lost heartbeat drops a live edge`)
  }
  const orphanGraceMs = readDurationMs(env, 'EDGE_ORPHAN_GRACE', 15_000, { minMs: 2000, maxMs: 3_600_000 })
  if (orphanGraceMs < 2 * heartbeatMs) {
    throw new ConfigError('EDGE_ORPHAN_GRACE', `${orphanGraceMs}ms must be at least two heartbeats (EDGE_HEARTBEAT is ${heartbeatMs}ms)`)
  }
  const targetRps = readInteger(env, 'EDGE_TARGET_RPS', 200, { min: 1, max: 1_000_000 })
  const downRatioPercent = readInteger(env, 'EDGE_SCALE_DOWN_PERCENT', 60, { min: 1, max: 95 })
  const cacheMaxSize = readString(env, 'EDGE_CACHE_MAX_SIZE', '1g')
  if (!NGINX_SIZE.test(cacheMaxSize)) throw new ConfigError('EDGE_CACHE_MAX_SIZE', `'${cacheMaxSize}' is not an nginx size such as 512m or 2g`)
  const segmentCacheValid = readString(env, 'EDGE_SEGMENT_CACHE_VALID', '1h')
  if (!NGINX_TIME.test(segmentCacheValid)) throw new ConfigError('EDGE_SEGMENT_CACHE_VALID', `'${segmentCacheValid}' is not an nginx time such as 30m, 1h or 1d`)
  const nginxPath = readOptionalString(env, 'NGINX_PATH')
  if (nginxPath !== undefined && /[\0\n]/.test(nginxPath)) throw new ConfigError('NGINX_PATH', 'must be a file path or a command name')
  const originUrls = readHttpUrlList(env, 'ORIGIN_URL', [`http://127.0.0.1:${originPort}`])
  for (const url of originUrls) {
    if (new URL(url).pathname !== '/') throw new ConfigError('ORIGIN_URL', `'${url}' must be scheme, host and port only: edge paths equal origin paths`)
  }
  const originUrl = originUrls[0] as string
  if (originUrls.some((url) => new URL(url).protocol !== new URL(originUrl).protocol)) {
    throw new ConfigError('ORIGIN_URL', 'every origin replica must use the same scheme (all http:// or all https://)')
  }
  return Object.freeze({
    ...common,
    port,
    basePort,
    portSpan,
    publicHost,
    originUrl,
    originBackups: Object.freeze(originUrls.slice(1)),
    reporterUrls,
    reporterToken: token?.token,
    reporterTokenVariable: token?.variable ?? TOKEN_VARIABLES.edges,
    edgesDir: readString(env, 'EDGES_DIR', '.local/edges'),
    nginxPath,
    ttlMs,
    heartbeatMs,
    orphanGraceMs,
    drainMs: readDurationMs(env, 'EDGE_DRAIN', 30_000, { minMs: 0, maxMs: 600_000 }),
    probeTimeoutMs: Math.min(800, Math.max(100, Math.floor(heartbeatMs * 0.8))),
    unhealthyProbes: readInteger(env, 'EDGE_UNHEALTHY_PROBES', 3, { min: 1, max: 100 }),
    // half a heartbeat, at most 500 ms: 3 silent rounds tell a hang in 1.5 s, while a loaded edge
    // has all that time to answer a location nginx serves from memory
    hangProbeMs: Math.min(500, Math.max(50, Math.floor(heartbeatMs / 2))),
    scale: Object.freeze({
      min,
      max,
      targetRps,
      upAfterChecks: readInteger(env, 'EDGE_SCALE_UP_CHECKS', 3, { min: 1, max: 1000 }),
      downAfterChecks: readInteger(env, 'EDGE_SCALE_DOWN_CHECKS', 15, { min: 1, max: 10_000 }),
      downRatio: downRatioPercent / 100,
      cooldownMs: readDurationMs(env, 'EDGE_SCALE_COOLDOWN', 10_000, { minMs: 0, maxMs: 3_600_000 })
    }),
    cacheMaxSize,
    segmentCacheValid,
    signingKey: readSigningKey(env)
  })
}

/**
 * The entrypoint's loader: the pure settings plus the one fact about this host they depend on, so
 * a missing nginx stops the start with the same one line as a bad variable. NGINX_PATH becomes
 * the resolved binary.
 */
export function loadEdgesConfigForHost (env: Env): EdgesConfig {
  const config = loadEdgesConfig(env)
  const found = findNginx(config.nginxPath, env.PATH ?? '')
  if ('problem' in found) throw new ConfigError('NGINX_PATH', found.problem)
  return Object.freeze({ ...config, nginxPath: found.path })
}
