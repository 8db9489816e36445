import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { readBoolean, readDurationMs, readInteger, readOptionalString, readPort, readString, type Env } from '../config/env-readers.js'
import { readPackagerPorts } from '../config/peer-addresses.js'

export const PACKAGER_NAMES = ['server1', 'server2'] as const

/** Settings of one packager process (server1 or server2). */
export interface PackagerConfig extends CommonConfig {
  readonly name: string
  readonly port: number
  /** Folder served: OUTPUT_STREAM_PATH unless PACKAGER_ROOT points at a second worker's folder. */
  readonly root: string
  readonly cacheBytes: number
  /** A cached playlist older than this is re-read even without a file-system event (missed events). */
  readonly playlistRecheckMs: number
  readonly maxBlockingWaiters: number
  readonly watchPolling: boolean
}

export function loadPackagerConfig (env: Env): PackagerConfig {
  const common = loadCommonConfig(env)
  const name = readString(env, 'PACKAGER_NAME', 'server1')
  const portGiven = readOptionalString(env, 'PACKAGER_PORT') !== undefined
  // server1 and server2 have their Go-compatible ports; a fleet runs more, each told its port
  if (!(PACKAGER_NAMES as readonly string[]).includes(name) && (!portGiven || !/^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/.test(name))) {
    throw new ConfigError('PACKAGER_NAME', `'${name}' is not one of ${PACKAGER_NAMES.join(', ')}; another name (letters, digits, '-', '_') needs PACKAGER_PORT`)
  }
  // both are read, so a malformed one is reported even when the other server is started
  const ports = readPackagerPorts(env)
  const namedPort = name === 'server2' ? ports.two : ports.one
  const port = portGiven ? readPort(env, 'PACKAGER_PORT', namedPort) : namedPort
  const cacheMb = readInteger(env, 'PACKAGER_CACHE_MB', 256, { min: 1, max: 65536 })
  return Object.freeze({
    ...common,
    name,
    port,
    root: readString(env, 'PACKAGER_ROOT', common.outputPath),
    cacheBytes: cacheMb * 1024 * 1024,
    playlistRecheckMs: readDurationMs(env, 'PACKAGER_PLAYLIST_RECHECK', 500, { minMs: 20, maxMs: 10_000 }),
    maxBlockingWaiters: readInteger(env, 'PACKAGER_MAX_BLOCKING_WAITERS', 1000, { min: 0, max: 100_000 }),
    watchPolling: readBoolean(env, 'PACKAGER_WATCH_POLLING', false)
  })
}
