import type { Logger } from '../log/logger.js'
import { MemoryRegistry } from './memory-registry.js'
import { RedisRegistry } from './redis-registry.js'
import type { Registry } from './registry.js'
import type { RegistryTarget } from './registry-url.js'

export interface CreateRegistryOptions {
  readonly log: Logger
  /** The memory registry's clock; Redis keeps its own time. */
  readonly now?: () => number
  /** Redis keys' prefix (default 'zdh:'). */
  readonly keyPrefix?: string
}

/** The backend REGISTRY_URL names, started: a Redis that cannot be reached rejects with REGISTRY_ERR_UNAVAILABLE. */
export async function createRegistry (target: RegistryTarget, options: CreateRegistryOptions): Promise<Registry> {
  if (target.kind === 'memory') return new MemoryRegistry(options.now === undefined ? {} : { now: options.now })
  const registry = new RedisRegistry(target, { log: options.log, ...(options.keyPrefix === undefined ? {} : { keyPrefix: options.keyPrefix }) })
  try {
    await registry.start()
  } catch (err) {
    await registry.close()
    throw err
  }
  options.log.info({ registry: target.display }, 'registry connected')
  return registry
}
