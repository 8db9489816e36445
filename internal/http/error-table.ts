import type { FastifyErrorConstructor } from '@fastify/error'

/** How an expected error is logged: always one line, never a stack. */
export type ExpectedLevel = 'warn' | 'info'

export interface ErrorTableOptions<K extends string> {
  /**
   * 5xx codes that are routine rather than a degradation, logged at info instead of warn: a
   * request released because the service is shutting down.
   */
  readonly info?: readonly K[]
}

interface Registered { readonly ctor: FastifyErrorConstructor, readonly level5xx: ExpectedLevel }

const registered = new Map<string, Registered>()

/**
 * Declares a service's table of coded errors as its expected answers: a request that ends in one
 * of them is a condition the service handles (no packager can serve yet, a blocking reload timed
 * out, shutdown), so it is logged as one line without a stack, warn for 5xx and info for 4xx.
 * Any other error reaching the HTTP error handler is a bug and keeps error level with its stack.
 */
export function errorTable<T extends Readonly<Record<string, FastifyErrorConstructor>>> (table: T, options: ErrorTableOptions<Extract<keyof T, string>> = {}): T {
  const infoKeys = new Set<string>(options.info ?? [])
  for (const [key, ctor] of Object.entries(table)) {
    registered.set(new ctor().code, { ctor, level5xx: infoKeys.has(key) ? 'info' : 'warn' })
  }
  return table
}

/**
 * The level an answered error is logged at when it is expected (made from a table declared with
 * `errorTable`), or undefined when it is not: a bug, logged at error level with its stack.
 */
export function expectedLevel (error: unknown, status: number): ExpectedLevel | undefined {
  if (typeof error !== 'object' || error === null) return undefined
  const code = (error as { code?: unknown }).code
  if (typeof code !== 'string') return undefined
  const entry = registered.get(code)
  // @fastify/error's instance check (a per-code symbol): a plain object that merely carries the code is not ours
  if (entry === undefined || !(error instanceof entry.ctor)) return undefined
  return status >= 500 ? entry.level5xx : 'info'
}
