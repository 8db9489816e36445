import { readHttpUrlList, readPort, type Env } from './env-readers.js'

/**
 * Where each service finds its peers on one host, read by every service that needs them with one
 * rule each: SERVER_ONE_PORT / SERVER_TWO_PORT (packagers, discovery, origin), REPORTER_PORT
 * (reporter, discovery, origin, edges), REPORTER_URL (discovery, origin, edges) and ORIGIN_PORT
 * (origin, edges, sign-url).
 */
export interface PackagerPorts {
  /** SERVER_ONE_PORT: server1's port. */
  readonly one: number
  /** SERVER_TWO_PORT: server2's port. */
  readonly two: number
}

/** SERVER_ONE_PORT and SERVER_TWO_PORT, both read so a malformed one is reported whichever is used. */
export function readPackagerPorts (env: Env): PackagerPorts {
  return { one: readPort(env, 'SERVER_ONE_PORT', 8080), two: readPort(env, 'SERVER_TWO_PORT', 9090) }
}

/** The two packagers on this host: the default of discovery's PACKAGER_URLS and the origin's PACKAGER_ALLOWLIST. */
export function localPackagerUrls (ports: PackagerPorts): string[] {
  return [`http://localhost:${ports.one}`, `http://localhost:${ports.two}`]
}

/** REPORTER_PORT: the reporter's own port, and the port of the other services' default REPORTER_URL. */
export function readReporterPort (env: Env): number {
  return readPort(env, 'REPORTER_PORT', 2000)
}

/**
 * REPORTER_URL: where writers and the origin reach the reporter; by default
 * http://localhost:REPORTER_PORT. A comma-separated list names several reporters over one registry
 * (REGISTRY_URL): each client uses the one that answered last and moves to the next when it fails.
 */
export function readReporterUrls (env: Env): string[] {
  return readHttpUrlList(env, 'REPORTER_URL', [`http://localhost:${readReporterPort(env)}`])
}

/** ORIGIN_PORT: the origin's own port, and the port of the edges' default ORIGIN_URL and sign-url's base. */
export function readOriginPort (env: Env): number {
  return readPort(env, 'ORIGIN_PORT', 8001)
}
