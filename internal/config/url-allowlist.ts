import { ConfigError } from './config-error.js'
import { readOptionalString, type Env } from './env-readers.js'

/** One allowed base URL: a scheme, a host and a port range (one port when first === last). */
export interface AllowedOrigin {
  readonly protocol: 'http:' | 'https:'
  /** Lower-case; an IPv6 address keeps its brackets, as URL.hostname gives it. */
  readonly hostname: string
  readonly firstPort: number
  readonly lastPort: number
}

const ENTRY = /^(https?):\/\/(\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5})(?:-(\d{1,5}))?)?\/?$/

/**
 * Parses `http://host:port`, `http://host:first-last` (every port of the range) or `https://host`
 * (its scheme's port), comma-separated. Paths, queries and credentials are refused: an allowed edge
 * is a whole origin.
 */
export function parseAllowlist (variable: string, value: string): AllowedOrigin[] {
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) throw new ConfigError(variable, 'must list at least one http(s)://host[:port[-port]], comma-separated')
  return items.map((item) => {
    const match = ENTRY.exec(item)
    if (match === null) throw new ConfigError(variable, `'${item}' is not http(s)://host, http(s)://host:port or http(s)://host:first-last (no path, query or credentials)`)
    const protocol = `${match[1] as string}:` as AllowedOrigin['protocol']
    const fallback = protocol === 'https:' ? 443 : 80
    const firstPort = match[3] === undefined ? fallback : Number(match[3])
    const lastPort = match[4] === undefined ? firstPort : Number(match[4])
    if (firstPort < 1 || lastPort > 65535 || lastPort < firstPort) {
      throw new ConfigError(variable, `'${item}': ports must be 1-65535 and a range must run from low to high`)
    }
    return Object.freeze({ protocol, hostname: (match[2] as string).toLowerCase(), firstPort, lastPort })
  })
}

/** Reads a list as parseAllowlist does; `fallback` (already a list) when the variable is unset. */
export function readAllowlist (env: Env, variable: string, fallback: string): readonly AllowedOrigin[] {
  return Object.freeze(parseAllowlist(variable, readOptionalString(env, variable) ?? fallback))
}

/** True when `url` is a plain origin (no credentials) whose scheme, host and port the list allows. */
export function allowlistIncludes (list: readonly AllowedOrigin[], url: string): boolean {
  let parsed: URL
  try { parsed = new URL(url) } catch { return false }
  if (parsed.username !== '' || parsed.password !== '') return false
  const port = parsed.port === '' ? (parsed.protocol === 'https:' ? 443 : 80) : Number(parsed.port)
  return list.some((e) => e.protocol === parsed.protocol && e.hostname === parsed.hostname && port >= e.firstPort && port <= e.lastPort)
}

/** The list as it can be written back into the variable, for logs. */
export function formatAllowlist (list: readonly AllowedOrigin[]): string {
  return list.map((e) => `${e.protocol}//${e.hostname}:${e.firstPort}${e.lastPort === e.firstPort ? '' : `-${e.lastPort}`}`).join(',')
}
