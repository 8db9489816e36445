import { ConfigError } from '../config/config-error.js'
import { parseHttpUrl, readOptionalString, type Env } from '../config/env-readers.js'

/** One origin replica players can reach, as an HLS Content Steering pathway. */
export interface OriginPathway {
  /** PATHWAY-ID: RFC 8216bis allows letters, digits, '.', '-' and '_'. */
  readonly id: string
  /** Scheme, host, port and optional path prefix, no trailing slash. */
  readonly url: string
}

const PATHWAY_ID = /^[A-Za-z0-9._-]{1,32}$/

/**
 * ORIGIN_PATHWAYS="a=http://origin-a:8001,b=http://origin-b:8001": every origin replica, in the
 * order players should prefer them, the same on every replica (their multivariant playlists are
 * then byte-identical). Unset: one origin, no Content Steering.
 */
export function readOriginPathways (env: Env, name = 'ORIGIN_PATHWAYS'): readonly OriginPathway[] | undefined {
  const value = readOptionalString(env, name)
  if (value === undefined) return undefined
  const pathways: OriginPathway[] = []
  for (const item of value.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
    const eq = item.indexOf('=')
    const id = eq === -1 ? '' : item.slice(0, eq)
    if (!PATHWAY_ID.test(id)) throw new ConfigError(name, `'${item}' must be <id>=<url>, the id 1-32 letters, digits, '.', '-' or '_'`)
    if (pathways.some((p) => p.id === id)) throw new ConfigError(name, `pathway '${id}' is listed twice`)
    pathways.push({ id, url: parseHttpUrl(name, item.slice(eq + 1)) })
  }
  if (pathways.length < 2) throw new ConfigError(name, 'must list at least two origin replicas (<id>=<url>, comma-separated), or be unset')
  return Object.freeze(pathways)
}
