import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { isLoopbackHost, readDurationMs, readInteger, type Env } from '../config/env-readers.js'
import { readReporterPort } from '../config/peer-addresses.js'
import { readTokenVariable, REQUIRED_WRITER_ROLES, SHARED_TOKEN_VARIABLE, TOKEN_VARIABLES, WRITER_ROLES, type WriterRole } from '../config/writer-tokens.js'
import { parseRegistryUrl } from '../registry/registry-url.js'
import { defaultStream, type StreamDefinition } from '../streams/stream-definition.js'
import { readStreamVariables } from '../streams/stream-variables.js'
import { DEFAULT_LIMITS, type RegistryLimits } from './reporter-limits.js'
import type { ReporterTokens } from './writer-auth.js'

export interface ReporterConfig extends CommonConfig {
  readonly port: number
  /** Bearer token of each writer role; undefined only in token-less mode on a loopback host. */
  readonly tokens: ReporterTokens | undefined
  /** REPORTER_TOKEN as given: the legacy token shared by every role whose own variable is unset. */
  readonly token: string | undefined
  /** Roles whose token is the shared REPORTER_TOKEN (their variable is unset): logged at start. */
  readonly sharedTokenRoles: readonly WriterRole[]
  /** TTL of a report that does not carry ttl_ms. */
  readonly ttlMs: number
  /** Upper bound for a report's ttl_ms, so one report cannot keep a dead packager listed for long. */
  readonly maxTtlMs: number
  readonly bodyLimitBytes: number
  readonly limits: RegistryLimits
  /** REGISTRY_URL: where every record lives; memory (this process) when unset. */
  readonly registry: ReturnType<typeof parseRegistryUrl>
  /** STREAMS_FILE: definitions written to the registry at start; none when unset. */
  readonly streamsFile: string | undefined
  /** The one stream there is when nobody defines any (LIVE_SIGNAL_NAME, INPUT_STREAM_PATH, LADDER, SEGMENT_DURATION). */
  readonly defaultStream: StreamDefinition
  /** ASSIGNER_INTERVAL: how often the assigner (the one holding the lease) places streams. */
  readonly assignerIntervalMs: number
  /** ASSIGNER_SETTLE: after the registry lost its records, how long workers get to re-announce before anything is placed (at least two worker heartbeats and a second). */
  readonly assignerSettleMs: number
}

export function loadReporterConfig (env: Env): ReporterConfig {
  const common = loadCommonConfig(env)
  const { tokens, sharedTokenRoles } = readTokens(env, common.host)
  const token = readTokenVariable(env, SHARED_TOKEN_VARIABLE)
  const ttlMs = readDurationMs(env, 'REPORTER_TTL', 5000, { minMs: 100, maxMs: 3_600_000 })
  const maxTtlMs = readDurationMs(env, 'REPORTER_MAX_TTL', 60_000, { minMs: 100, maxMs: 3_600_000 })
  if (maxTtlMs < ttlMs) {
    throw new ConfigError('REPORTER_MAX_TTL', `${maxTtlMs}ms must not be below REPORTER_TTL (${ttlMs}ms)`)
  }
  const stream = readStreamVariables(env)
  const streamsFile = env.STREAMS_FILE === undefined || env.STREAMS_FILE === '' ? undefined : env.STREAMS_FILE
  return Object.freeze({
    ...common,
    registry: parseRegistryUrl(env.REGISTRY_URL, 'REGISTRY_URL'),
    streamsFile,
    defaultStream: defaultStream({ name: common.signalName, inputPath: stream.inputPath, ladder: stream.ladderText, segmentSeconds: stream.segmentSeconds }),
    assignerIntervalMs: readDurationMs(env, 'ASSIGNER_INTERVAL', 1000, { minMs: 100, maxMs: 60_000 }),
    assignerSettleMs: readDurationMs(env, 'ASSIGNER_SETTLE', 3000, { minMs: 0, maxMs: 600_000 }),
    port: readReporterPort(env),
    token,
    tokens,
    sharedTokenRoles,
    ttlMs,
    maxTtlMs,
    bodyLimitBytes: 64 * 1024,
    limits: Object.freeze({
      maxSignals: readInteger(env, 'REPORTER_MAX_SIGNALS', DEFAULT_LIMITS.maxSignals, { min: 1, max: 10_000 }),
      maxPackagersPerSignal: readInteger(env, 'REPORTER_MAX_PACKAGERS_PER_SIGNAL', DEFAULT_LIMITS.maxPackagersPerSignal, { min: 1, max: 64 }),
      maxEdges: readInteger(env, 'REPORTER_MAX_EDGES', DEFAULT_LIMITS.maxEdges, { min: 1, max: 1000 })
    })
  })
}

/**
 * One token per writer role (REPORTER_DISCOVERY_TOKEN, REPORTER_EDGES_TOKEN), each falling back to
 * the shared REPORTER_TOKEN. None at all is token-less mode, loopback only; some but not all is an
 * error (a role left open would be writable by anyone), and so are two roles given one token by
 * their own variables (use REPORTER_TOKEN for that, knowingly).
 */
function readTokens (env: Env, host: string): { tokens: ReporterTokens | undefined, sharedTokenRoles: WriterRole[] } {
  const shared = readTokenVariable(env, SHARED_TOKEN_VARIABLE)
  const own = new Map(WRITER_ROLES.map((role) => [role, readTokenVariable(env, TOKEN_VARIABLES[role])]))
  const set = WRITER_ROLES.filter((role) => own.get(role) !== undefined)
  if (shared === undefined && set.length === 0) {
    if (!isLoopbackHost(host)) {
      throw new ConfigError(SHARED_TOKEN_VARIABLE, `must be set when HOST is not a loopback address (HOST is '${host}'), or one token per writer role (${WRITER_ROLES.map((r) => TOKEN_VARIABLES[r]).join(', ')}); token-less mode is for local development on 127.0.0.1 only`)
    }
    return { tokens: undefined, sharedTokenRoles: [] }
  }
  const tokens: Partial<Record<WriterRole, string>> = {}
  for (const role of WRITER_ROLES) {
    const required = REQUIRED_WRITER_ROLES.includes(role)
    const token = own.get(role) ?? (required ? shared : undefined)
    if (token === undefined && !required) continue
    if (token === undefined) {
      throw new ConfigError(TOKEN_VARIABLES[role], `must be set when ${set.map((r) => TOKEN_VARIABLES[r]).join(', ')} is: every writer role needs a token (or set ${SHARED_TOKEN_VARIABLE}, shared by every role)`)
    }
    // an own token equal to another role's is a mistake; only REPORTER_TOKEN shares, and says so
    const twin = WRITER_ROLES.find((other) => tokens[other] === token && (own.get(role) !== undefined || own.get(other) !== undefined))
    if (twin !== undefined) {
      const [a, b] = own.get(role) !== undefined ? [role, twin] : [twin, role]
      throw new ConfigError(TOKEN_VARIABLES[a], `must differ from the token of the ${b} role: one token for two roles lets either write what the other writes`)
    }
    tokens[role] = token
  }
  return { tokens: Object.freeze(tokens), sharedTokenRoles: WRITER_ROLES.filter((role) => own.get(role) === undefined && tokens[role] !== undefined) }
}
