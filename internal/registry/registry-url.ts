import { isIP } from 'node:net'
import { ConfigError } from '../config/config-error.js'
import { isHostOrIp } from '../config/env-readers.js'

export interface HostPort { readonly host: string, readonly port: number }

/** Where the registry lives, as REGISTRY_URL says. `display` is the URL with its password masked. */
export type RegistryTarget =
  | { readonly kind: 'memory' }
  | {
    readonly kind: 'redis'
    readonly host: string
    readonly port: number
    readonly db: number
    readonly username?: string
    readonly password?: string
    readonly tls: boolean
    readonly display: string
  }
  | {
    readonly kind: 'sentinel'
    readonly sentinels: readonly HostPort[]
    readonly masterName: string
    readonly db: number
    readonly password?: string
    readonly display: string
  }

const ALLOWED = "allowed: unset or 'memory' (this process), redis://[user:password@]host[:port][/db], " +
  'rediss://… (the same over TLS), redis-sentinel://[:password@]host:port[,host:port…]/<master>[/db]'
const REDIS_PORT = 6379
const MASTER_NAME = /^[A-Za-z0-9._-]{1,64}$/
const DB = /^(?:0|[1-9][0-9]{0,8})$/

/**
 * Reads REGISTRY_URL (or `variable`). The password may hold '@', '/' or ':' unescaped: the
 * credentials are everything before the last '@'. No message and no `display` ever holds it.
 */
export function parseRegistryUrl (value: string | undefined, variable = 'REGISTRY_URL'): RegistryTarget {
  const text = (value ?? '').trim()
  if (text === '' || text === 'memory' || text === 'memory:') return { kind: 'memory' }
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(text)?.[1]?.toLowerCase()
  // the value itself is not quoted: without a scheme we cannot tell where a password would be
  if (scheme === undefined) throw new ConfigError(variable, `not a registry URL; ${ALLOWED}`)
  const display = maskPassword(text)
  const refuse = (what: string): ConfigError => new ConfigError(variable, `'${display}' ${what}; ${ALLOWED}`)
  if (scheme !== 'redis' && scheme !== 'rediss' && scheme !== 'redis-sentinel') throw refuse(`has the scheme '${scheme}:'`)

  const rest = text.slice(scheme.length + 3)
  const at = rest.lastIndexOf('@')
  const credentials = splitCredentials(at < 0 ? undefined : rest.slice(0, at), refuse)
  const address = rest.slice(at + 1)
  if (/[?#]/.test(address)) throw refuse('has a query or fragment, which the registry takes none of')
  const slash = address.indexOf('/')
  const authority = slash < 0 ? address : address.slice(0, slash)
  const path = slash < 0 ? '' : address.slice(slash)

  if (scheme === 'redis-sentinel') {
    if (credentials.username !== undefined) throw refuse('has a user name: Sentinel takes a password only (:password@)')
    const sentinels = authority.split(',').map((part) => parseHostPort(part, undefined, refuse))
    const seen = new Set<string>()
    for (const { host, port } of sentinels) {
      if (seen.has(`${host}:${port}`)) throw refuse(`lists the sentinel ${host}:${port} twice`)
      seen.add(`${host}:${port}`)
    }
    const segments = path.split('/').slice(1)
    const masterName = segments[0] ?? ''
    if (!MASTER_NAME.test(masterName) || segments.length > 2) throw refuse("needs the master's name after the sentinels (/<master>[/db], 1-64 letters, digits, '.', '_' or '-')")
    const db = parseDb(segments[1], refuse)
    return { kind: 'sentinel', sentinels, masterName, db, ...optional('password', credentials.password), display }
  }

  const { host, port } = parseHostPort(authority, REDIS_PORT, refuse)
  const db = parseDb(path === '' || path === '/' ? undefined : path.slice(1), refuse)
  return {
    kind: 'redis',
    host,
    port,
    db,
    ...optional('username', credentials.username),
    ...optional('password', credentials.password),
    tls: scheme === 'rediss',
    display
  }
}

/** The URL with the credentials' password (or credentials without a ':', all of them) as ***. */
export function maskPassword (url: string): string {
  const start = url.indexOf('://')
  if (start < 0) return url
  const at = url.lastIndexOf('@')
  if (at < start) return url
  const credentials = url.slice(start + 3, at)
  const colon = credentials.indexOf(':')
  const masked = colon < 0 ? '***' : `${credentials.slice(0, colon + 1)}***`
  return `${url.slice(0, start + 3)}${masked}${url.slice(at)}`
}

type Refuse = (what: string) => ConfigError

function splitCredentials (credentials: string | undefined, refuse: Refuse): { username?: string, password?: string } {
  if (credentials === undefined || credentials === '' || credentials === ':') return {}
  const colon = credentials.indexOf(':')
  if (colon < 0) throw refuse('has a user name without a password (user:password@, or :password@ for a password alone)')
  const username = decode(credentials.slice(0, colon), refuse)
  const password = decode(credentials.slice(colon + 1), refuse)
  if (password === '') throw refuse('has a user name with an empty password')
  return { ...optional('username', username === '' ? undefined : username), password }
}

function decode (part: string, refuse: Refuse): string {
  try {
    return decodeURIComponent(part)
  } catch {
    // the part itself may be the password: say where, not what
    throw refuse("has a malformed %-escape in its credentials (write '%' as %25)")
  }
}

function parseHostPort (part: string, defaultPort: number | undefined, refuse: Refuse): HostPort {
  const match = /^(\[[^\]]*\]|[^:[\]]*)(?::([^:]*))?$/.exec(part)
  const bracketed = match?.[1] ?? ''
  const host = bracketed.startsWith('[') ? bracketed.slice(1, -1) : bracketed
  const hostOk = bracketed.startsWith('[') ? isIP(host) === 6 && !host.includes('%') : isHostOrIp(host) && isIP(host) !== 6
  if (match === null || !hostOk) throw refuse(`has '${part}' where a host (a name, an IPv4 address or a [bracketed] IPv6 address) belongs`)
  const portText = match[2]
  if (portText === undefined) {
    if (defaultPort === undefined) throw refuse(`has '${part}' without a port: each sentinel is host:port`)
    return { host, port: defaultPort }
  }
  const port = /^[0-9]{1,5}$/.test(portText) ? Number(portText) : 0
  if (port < 1 || port > 65535) throw refuse(`has the port '${portText}', not a TCP port (1-65535)`)
  return { host, port }
}

function parseDb (text: string | undefined, refuse: Refuse): number {
  if (text === undefined) return 0
  if (!DB.test(text)) throw refuse(`has '/${text}' where a database number (a whole number from 0) belongs`)
  return Number(text)
}

// with exactOptionalPropertyTypes in mind: an absent field, never one set to undefined
function optional<K extends string> (key: K, value: string | undefined): { [P in K]?: string } {
  return (value === undefined ? {} : { [key]: value }) as { [P in K]?: string }
}
