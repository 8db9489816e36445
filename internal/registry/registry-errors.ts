import createError from '@fastify/error'
import { errorTable } from '../http/error-table.js'

/** Every error a registry backend rejects with; the reporter answers them as they are. */
export const RegistryErrors = errorTable({
  UNAVAILABLE: createError('REGISTRY_ERR_UNAVAILABLE', '%s', 503),
  FULL: createError('REGISTRY_ERR_FULL', 'the registry holds %d %s records, its most; wait for some to expire', 503),
  CLOSED: createError('REGISTRY_ERR_CLOSED', 'the registry is closed', 503)
} as const)
