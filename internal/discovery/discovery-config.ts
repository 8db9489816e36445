import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { readDurationMs, readHttpUrlList, readPort, type Env } from '../config/env-readers.js'
import { localPackagerUrls, readPackagerPorts, readReporterUrls } from '../config/peer-addresses.js'
import { readMaxPlaylistAgeMs } from '../config/playlist-age.js'
import { readWriterToken, TOKEN_VARIABLES } from '../config/writer-tokens.js'

export interface DiscoveryConfig extends CommonConfig {
  /** Port of /healthz and /metrics. */
  readonly port: number
  readonly runFrequencyMs: number
  /** A signal whose newest playlist on disk is older than this is not being ingested. */
  readonly maxPlaylistAgeMs: number
  readonly packagerUrls: readonly string[]
  readonly reporterUrls: readonly string[]
  /** REPORTER_DISCOVERY_TOKEN, else the shared REPORTER_TOKEN: may write POST /ingests only. */
  readonly reporterToken: string | undefined
  /** The variable reporterToken came from, for hints. */
  readonly reporterTokenVariable: string
  /** Deadline of one packager probe (healthcheck, playlist and variant together). */
  readonly probeTimeoutMs: number
  /** ttl_ms sent with each report: three cycles plus slack, so one slow or lost cycle does not drop a signal. */
  readonly reportTtlMs: number
}

export function loadDiscoveryConfig (env: Env): DiscoveryConfig {
  const common = loadCommonConfig(env)
  const packagerPorts = readPackagerPorts(env)
  const runFrequencyMs = readDurationMs(env, 'DISCOVERY_RUN_FREQUENCY', 1000, { minMs: 100, maxMs: 600_000 })
  const probeTimeoutMs = readDurationMs(env, 'PROBE_TIMEOUT', 800, { minMs: 50, maxMs: 30_000 })
  const token = readWriterToken(env, 'discovery')
  return Object.freeze({
    ...common,
    port: readPort(env, 'DISCOVERY_PORT', 2001),
    runFrequencyMs,
    maxPlaylistAgeMs: readMaxPlaylistAgeMs(env),
    packagerUrls: Object.freeze(readHttpUrlList(env, 'PACKAGER_URLS', localPackagerUrls(packagerPorts))),
    reporterUrls: Object.freeze(readReporterUrls(env)),
    reporterToken: token?.token,
    reporterTokenVariable: token?.variable ?? TOKEN_VARIABLES.discovery,
    probeTimeoutMs,
    reportTtlMs: Math.min(3_600_000, Math.max(1000, 3 * runFrequencyMs + 2 * probeTimeoutMs))
  })
}
