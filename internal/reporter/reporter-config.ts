import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { isLoopbackHost, readDurationMs, readOptionalString, readPort, type Env } from '../config/env-readers.js'

export interface ReporterConfig extends CommonConfig {
  readonly port: number
  /** Bearer token for POST /ingests and /edges; undefined only in token-less mode on a loopback host. */
  readonly token: string | undefined
  /** TTL of a report that does not carry ttl_ms. */
  readonly ttlMs: number
  /** Upper bound for a report's ttl_ms, so one report cannot keep a dead packager listed for long. */
  readonly maxTtlMs: number
  readonly bodyLimitBytes: number
}

export function loadReporterConfig (env: Env): ReporterConfig {
  const common = loadCommonConfig(env)
  const token = readOptionalString(env, 'REPORTER_TOKEN')
  if (token === undefined && !isLoopbackHost(common.host)) {
    throw new ConfigError('REPORTER_TOKEN', `must be set when HOST is not a loopback address (HOST is '${common.host}'); token-less mode is for local development on 127.0.0.1 only`)
  }
  if (token !== undefined && !/^[\x21-\x7e]{8,512}$/.test(token)) {
    throw new ConfigError('REPORTER_TOKEN', 'must be 8 to 512 printable ASCII characters without spaces')
  }
  const ttlMs = readDurationMs(env, 'REPORTER_TTL', 5000, { minMs: 100, maxMs: 3_600_000 })
  const maxTtlMs = readDurationMs(env, 'REPORTER_MAX_TTL', 60_000, { minMs: 100, maxMs: 3_600_000 })
  if (maxTtlMs < ttlMs) {
    throw new ConfigError('REPORTER_MAX_TTL', `${maxTtlMs}ms must not be below REPORTER_TTL (${ttlMs}ms)`)
  }
  return Object.freeze({
    ...common,
    port: readPort(env, 'REPORTER_PORT', 2000),
    token,
    ttlMs,
    maxTtlMs,
    bodyLimitBytes: 64 * 1024
  })
}
