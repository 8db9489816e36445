import type { JsonValue } from './registry.js'

/**
 * A value as both backends keep it: its JSON text. Reading parses that text again, so a reader
 * never shares an object with the writer or with another reader, in memory as in Redis.
 */
export function toJson (value: JsonValue): string {
  const text = JSON.stringify(value)
  // JSON.stringify answers undefined (not a string) for undefined or a function at the top
  if (typeof text !== 'string') throw new TypeError(`a registry value must be JSON, not ${typeof value}`)
  return text
}

export function fromJson (text: string): JsonValue {
  return JSON.parse(text) as JsonValue
}

/**
 * A TTL as both backends apply it: whole milliseconds, rounded up (Redis' PX takes an integer
 * above zero). Zero, a negative or a non-finite TTL is a caller's bug, refused the same on both.
 */
export function ttlMillis (ttlMs: number | undefined): number | undefined {
  if (ttlMs === undefined) return undefined
  if (!Number.isFinite(ttlMs) || ttlMs <= 0) throw new RangeError(`ttlMs must be a positive number of milliseconds, not ${ttlMs}`)
  return Math.ceil(ttlMs)
}
