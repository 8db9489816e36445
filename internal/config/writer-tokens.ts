import { ConfigError } from './config-error.js'
import { readOptionalString, type Env } from './env-readers.js'

/**
 * Who may write to the reporter, and with which variable its bearer token is set. One token per
 * role, so a leaked or compromised writer can write only what its role writes: discovery's token
 * cannot register an edge (where viewers are sent), the edges manager's cannot register an ingest.
 * Workers register and take their assignments with theirs; operators define streams with theirs;
 * ingest nodes check stream keys and record live publishes with theirs.
 */
export const WRITER_ROLES = ['discovery', 'edges', 'worker', 'operator', 'ingest'] as const
export type WriterRole = typeof WRITER_ROLES[number]

/**
 * Roles every reporter with tokens must have a token for, and the only ones the legacy shared
 * REPORTER_TOKEN stands in for. The others came later and need a token of their own: a reporter
 * configured before them keeps starting, with their routes closed until their token is set.
 */
export const REQUIRED_WRITER_ROLES: readonly WriterRole[] = ['discovery', 'edges']

/** The variable each role's token is read from, by the reporter and by that role's service. */
export const TOKEN_VARIABLES: Readonly<Record<WriterRole, string>> = Object.freeze({
  discovery: 'REPORTER_DISCOVERY_TOKEN',
  edges: 'REPORTER_EDGES_TOKEN',
  worker: 'REPORTER_WORKER_TOKEN',
  operator: 'REPORTER_OPERATOR_TOKEN',
  ingest: 'REPORTER_INGEST_TOKEN'
})

/** Legacy: one token for every role, used by a role whose own variable is unset (logged at start). */
export const SHARED_TOKEN_VARIABLE = 'REPORTER_TOKEN'

/** A writer's token and the variable it came from, so a 401 hint names the right one. */
export interface WriterToken {
  readonly token: string
  readonly variable: string
}

const TOKEN = /^[\x21-\x7e]{8,512}$/

/** Reads one variable holding a token: unset, or 8-512 printable ASCII characters without spaces. */
export function readTokenVariable (env: Env, variable: string): string | undefined {
  const token = readOptionalString(env, variable)
  if (token !== undefined && /\s/.test(token)) throw new ConfigError(variable, 'must not contain white space (8 to 512 printable ASCII characters)')
  if (token !== undefined && !TOKEN.test(token)) throw new ConfigError(variable, 'must be 8 to 512 printable ASCII characters without spaces')
  return token
}

/** A writer service's token: its role's variable, else (for the required roles) the shared REPORTER_TOKEN, else none. */
export function readWriterToken (env: Env, role: WriterRole): WriterToken | undefined {
  const own = readTokenVariable(env, TOKEN_VARIABLES[role])
  if (own !== undefined) return { token: own, variable: TOKEN_VARIABLES[role] }
  if (!REQUIRED_WRITER_ROLES.includes(role)) return undefined
  const shared = readTokenVariable(env, SHARED_TOKEN_VARIABLE)
  return shared === undefined ? undefined : { token: shared, variable: SHARED_TOKEN_VARIABLE }
}
