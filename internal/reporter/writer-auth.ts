import type { WriterRole } from '../config/writer-tokens.js'
import { bearerMatches } from './bearer-auth.js'

/**
 * Each writer role's bearer token; undefined in token-less mode (loopback only). A role without a
 * token (only the roles outside REQUIRED_WRITER_ROLES can lack one) has its routes closed.
 */
export type ReporterTokens = Readonly<Partial<Record<WriterRole, string>>>

/** The write routes and the one role that may write each. */
export const ROUTE_WRITERS = Object.freeze({ ingests: 'discovery', edges: 'edges', workers: 'worker', streams: 'operator', publishes: 'ingest' } as const satisfies Record<string, WriterRole>)
export type WriteRoute = keyof typeof ROUTE_WRITERS

export type WriteDecision =
  | { readonly ok: true }
  | { readonly ok: false, readonly status: 401 }
  /** A valid token of another role: it may not write here. */
  | { readonly ok: false, readonly status: 403, readonly role: WriterRole }

/**
 * Pure: may the holder of this Authorization header write `route`? Only the token of the route's
 * role opens it; another role's token gets 403 (it is scoped elsewhere), anything else 401. Every
 * token is compared, in constant time, whatever the outcome.
 */
export function authorizeWrite (header: string | undefined, tokens: ReporterTokens | undefined, route: WriteRoute): WriteDecision {
  if (tokens === undefined) return { ok: true }
  const owner = ROUTE_WRITERS[route]
  const matching = (Object.keys(tokens) as WriterRole[]).filter((role) => {
    const token = tokens[role]
    return token !== undefined && bearerMatches(header, token)
  })
  if (matching.includes(owner)) return { ok: true }
  const other = matching[0]
  return other === undefined ? { ok: false, status: 401 } : { ok: false, status: 403, role: other }
}
