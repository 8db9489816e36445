import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { readBoolean, readDurationMs, readInteger, readOptionalString, readPort, readString, type Env } from '../config/env-readers.js'
import { readPackagerPorts } from '../config/peer-addresses.js'

export const PACKAGER_NAMES = ['server1', 'server2'] as const
export type PackagerName = typeof PACKAGER_NAMES[number]

/** Settings of one packager process (server1 or server2). */
export interface PackagerConfig extends CommonConfig {
  readonly name: PackagerName
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
  const rawName = readString(env, 'PACKAGER_NAME', 'server1')
  if (!(PACKAGER_NAMES as readonly string[]).includes(rawName)) {
    throw new ConfigError('PACKAGER_NAME', `'${rawName}' is not one of ${PACKAGER_NAMES.join(', ')}`)
  }
  const name = rawName as PackagerName
  // both are read, so a malformed one is reported even when the other server is started
  const ports = readPackagerPorts(env)
  const namedPort = name === 'server1' ? ports.one : ports.two
  const port = readOptionalString(env, 'PACKAGER_PORT') === undefined ? namedPort : readPort(env, 'PACKAGER_PORT', namedPort)
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
