import { hostname } from 'node:os'
import { ConfigError } from '../config/config-error.js'
import { readDurationMs, readHttpUrl, readInteger, readOptionalString, readString, type Env } from '../config/env-readers.js'
import { localPackagerUrls, readPackagerPorts, readReporterUrls } from '../config/peer-addresses.js'
import { readWriterToken, TOKEN_VARIABLES } from '../config/writer-tokens.js'

/** How a worker joins the fleet: set WORKER_ID and it takes its streams from the assigner. */
export interface FleetConfig {
  readonly id: string
  /** Copies of one stream go to distinct hosts where there are. */
  readonly host: string
  /** Ladder encodes it carries at once (a stream costs one per rung). */
  readonly capacity: number
  /** A regex over stream names; only matching streams are placed on it. */
  readonly streamFilter: string | undefined
  /** The packager that serves OUTPUT_STREAM_PATH, as viewers' origins reach it. */
  readonly packagerUrl: string
  readonly reporterUrls: readonly string[]
  /** REPORTER_WORKER_TOKEN, else the shared REPORTER_TOKEN. */
  readonly reporterToken: string | undefined
  readonly reporterTokenVariable: string
  readonly heartbeatMs: number
  /** ttl_ms of each heartbeat: three beats and a second, so one lost beat does not unplace it. */
  readonly ttlMs: number
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/** undefined without WORKER_ID: the worker encodes its one stream alone, as it always did. */
export function loadFleetConfig (env: Env): FleetConfig | undefined {
  const id = readOptionalString(env, 'WORKER_ID')
  if (id === undefined) return undefined
  if (!ID.test(id)) throw new ConfigError('WORKER_ID', `'${id}' must be 1-64 letters, digits, '.', '-' or '_', starting with a letter or digit`)
  const host = readString(env, 'WORKER_HOST', hostname())
  if (!/^[A-Za-z0-9][A-Za-z0-9_.:-]{0,252}$/.test(host)) throw new ConfigError('WORKER_HOST', `'${host}' must be a host name or address`)
  const streamFilter = readOptionalString(env, 'STREAM_FILTER')
  if (streamFilter !== undefined) {
    try {
      void new RegExp(streamFilter)
    } catch (err) {
      throw new ConfigError('STREAM_FILTER', `is not a valid regular expression: ${(err as Error).message}`)
    }
    if (streamFilter.length > 200) throw new ConfigError('STREAM_FILTER', 'must be at most 200 characters')
  }
  const heartbeatMs = readDurationMs(env, 'WORKER_HEARTBEAT', 1000, { minMs: 100, maxMs: 60_000 })
  const token = readWriterToken(env, 'worker')
  return Object.freeze({
    id,
    host,
    capacity: readInteger(env, 'WORKER_CAPACITY', 3, { min: 0, max: 10_000 }),
    streamFilter,
    packagerUrl: readHttpUrl(env, 'WORKER_PACKAGER_URL', localPackagerUrls(readPackagerPorts(env))[0] ?? 'http://localhost:8080'),
    reporterUrls: Object.freeze(readReporterUrls(env)),
    reporterToken: token?.token,
    reporterTokenVariable: token?.variable ?? TOKEN_VARIABLES.worker,
    heartbeatMs,
    ttlMs: 3 * heartbeatMs + 1000
  })
}
