import { isLoopbackHost } from '../config/env-readers.js'

/** Pure: an edge's id. Ids must not collide at the reporter when managers on several hosts use the same ports. */
export function edgeId (publicHost: string, port: number): string {
  return isLoopbackHost(publicHost) ? `edge-${port}` : `edge-${publicHost.replace(/[^A-Za-z0-9.-]/g, '-')}-${port}`.slice(0, 64)
}

/** Pure: the URL players fetch segments from, as the edge is advertised. */
export function edgePublicUrl (publicHost: string, port: number): string {
  return `http://${bracketed(publicHost)}:${port}`
}

/** Pure: the URL the manager probes an edge on: a wildcard listen address is probed on loopback. */
export function edgeProbeUrl (listenHost: string, port: number): string {
  const host = listenHost === '0.0.0.0' ? '127.0.0.1' : listenHost === '::' ? '::1' : listenHost
  return `http://${bracketed(host)}:${port}`
}

function bracketed (host: string): string {
  return host.includes(':') ? `[${host}]` : host
}
