import { isIP } from 'node:net'
import { ConfigError } from './config-error.js'

export type Env = Readonly<Record<string, string | undefined>>

function raw (env: Env, name: string): string | undefined {
  const value = env[name]
  if (value === undefined) return undefined
  const trimmed = value.trim()
  return trimmed === '' ? undefined : trimmed
}

export function readString (env: Env, name: string, fallback: string): string {
  return raw(env, name) ?? fallback
}

export function readOptionalString (env: Env, name: string): string | undefined {
  return raw(env, name)
}

export function readPort (env: Env, name: string, fallback: number): number {
  return readInteger(env, name, fallback, { min: 0, max: 65535, what: 'a TCP port from 0 to 65535' })
}

export function readInteger (
  env: Env, name: string, fallback: number,
  limits: { min: number, max: number, what?: string }
): number {
  const value = raw(env, name)
  if (value === undefined) return fallback
  const allowed = limits.what ?? `a whole number from ${limits.min} to ${limits.max}`
  if (!/^-?\d+$/.test(value)) throw new ConfigError(name, `'${value}' is not ${allowed}`)
  const n = Number(value)
  if (n < limits.min || n > limits.max) throw new ConfigError(name, `'${value}' is not ${allowed}`)
  return n
}

const DURATION = /^(\d+(?:\.\d+)?)(ms|s|m)?$/

/** Reads a duration such as `500ms`, `1s`, `1.5s`, `2m` or a bare number of seconds; returns milliseconds. */
export function readDurationMs (
  env: Env, name: string, fallbackMs: number,
  limits: { minMs: number, maxMs: number }
): number {
  const value = raw(env, name)
  if (value === undefined) return fallbackMs
  const allowed = `a duration such as 500ms, 2s or 1m, from ${limits.minMs}ms to ${limits.maxMs}ms`
  const match = DURATION.exec(value)
  if (match === null) throw new ConfigError(name, `'${value}' is not ${allowed}`)
  const unit = match[2] ?? 's'
  const factor = unit === 'ms' ? 1 : unit === 's' ? 1000 : 60_000
  const ms = Math.round(Number(match[1]) * factor)
  if (ms < limits.minMs || ms > limits.maxMs) throw new ConfigError(name, `'${value}' is not ${allowed}`)
  return ms
}

export function readBoolean (env: Env, name: string, fallback: boolean): boolean {
  return readOptionalBoolean(env, name) ?? fallback
}

/** A boolean, or undefined when unset (the caller decides, e.g. pretty logs on a terminal); junk is a ConfigError. */
export function readOptionalBoolean (env: Env, name: string): boolean | undefined {
  const value = raw(env, name)
  if (value === undefined) return undefined
  if (/^(1|true|yes|on)$/i.test(value)) return true
  if (/^(0|false|no|off)$/i.test(value)) return false
  throw new ConfigError(name, `'${value}' is not a boolean (true/false, 1/0, yes/no, on/off)`)
}

/** Reads an http(s) URL and returns its origin-and-path form without a trailing slash. */
export function readHttpUrl (env: Env, name: string, fallback: string): string {
  return parseHttpUrl(name, readString(env, name, fallback))
}

export function parseHttpUrl (name: string, value: string): string {
  let url: URL
  try {
    url = new URL(value)
  } catch {
    throw new ConfigError(name, `'${value}' is not an absolute http:// or https:// URL`)
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `'${value}' is not an absolute http:// or https:// URL`)
  }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') {
    throw new ConfigError(name, `'${value}' must not carry credentials, a query or a fragment`)
  }
  return url.href.replace(/\/+$/, '')
}

/** Reads a comma-separated list of http(s) URLs. */
export function readHttpUrlList (env: Env, name: string, fallback: readonly string[]): string[] {
  const value = raw(env, name)
  if (value === undefined) return [...fallback]
  const items = value.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (items.length === 0) throw new ConfigError(name, 'must list at least one http:// URL, comma-separated')
  return [...new Set(items.map((item) => parseHttpUrl(name, item)))]
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const
export type LogLevel = typeof LOG_LEVELS[number]

export function readLogLevel (env: Env): LogLevel {
  const value = readString(env, 'LOG_LEVEL', 'info')
  if (!(LOG_LEVELS as readonly string[]).includes(value)) {
    throw new ConfigError('LOG_LEVEL', `'${value}' is not one of ${LOG_LEVELS.join(', ')}`)
  }
  return value as LogLevel
}

const HOST_LABEL = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/

/**
 * An IP address or a DNS name that every service can put in a URL as it is. The URL parser is the judge for
 * names, because it is what turns the host into peer URLs: '1.2.3.4.5' or '1' would be re-read as IPv4 there.
 */
export function isHostOrIp (value: string): boolean {
  const family = isIP(value)
  if (family === 6) return !value.includes('%')
  if (family === 4) return true
  if (value.length > 253 || !value.split('.').every((label) => HOST_LABEL.test(label))) return false
  try {
    return new URL(`http://${value}/`).hostname === value.toLowerCase()
  } catch {
    return false
  }
}

/** Reads a host variable, refused in one line unless isHostOrIp. */
export function readHostVariable (env: Env, name: string, fallback: string): string {
  const value = readString(env, name, fallback)
  if (!isHostOrIp(value)) throw new ConfigError(name, `'${value}' is not a host name or IP address`)
  return value
}

/** Host to bind. Loopback by default: a developer machine should not expose services by accident. */
export function readHost (env: Env): string {
  return readHostVariable(env, 'HOST', '127.0.0.1')
}

export function isLoopbackHost (host: string): boolean {
  return host === 'localhost' || host === '::1' || host.startsWith('127.')
}
