import type { CommonConfig } from './common-config.js'
import { ConfigError } from './config-error.js'
import { readHostVariable, readInteger, readPort, type Env } from './env-readers.js'

/** Where the edges manager puts its edges: read by the manager and by the origin's default EDGE_ALLOWLIST. */
export interface EdgePorts {
  readonly min: number
  readonly max: number
  /** First edge port; edges take basePort, basePort+1, ... up to basePort+portSpan-1. */
  readonly basePort: number
  readonly portSpan: number
  /** Host in the URL an edge is advertised with (players fetch segments there). */
  readonly publicHost: string
}

/** EDGES_MIN, EDGES_MAX, EDGES_BASE_PORT, EDGES_PORT_SPAN and EDGE_PUBLIC_HOST, one rule for every reader. */
export function readEdgePorts (env: Env, common: Pick<CommonConfig, 'host'>): EdgePorts {
  const basePort = readPort(env, 'EDGES_BASE_PORT', 8101)
  if (basePort === 0) throw new ConfigError('EDGES_BASE_PORT', "'0' is not allowed: edges need fixed ports from 1 to 65535")
  const min = readInteger(env, 'EDGES_MIN', 2, { min: 1, max: 64 })
  const max = readInteger(env, 'EDGES_MAX', 6, { min: 1, max: 64 })
  if (min > max) throw new ConfigError('EDGES_MIN', `${min} must not be above EDGES_MAX (${max})`)
  const portSpan = readInteger(env, 'EDGES_PORT_SPAN', Math.max(16, 4 * max), { min: max, max: 1024, what: `a whole number from EDGES_MAX (${max}) to 1024` })
  if (basePort + portSpan - 1 > 65535) {
    throw new ConfigError('EDGES_BASE_PORT', `${basePort} leaves no room for ${portSpan} edge ports below 65536 (lower it or EDGES_PORT_SPAN)`)
  }
  const publicHost = readHostVariable(env, 'EDGE_PUBLIC_HOST', common.host === '0.0.0.0' || common.host === '::' ? '127.0.0.1' : common.host)
  return { min, max, basePort, portSpan, publicHost }
}
