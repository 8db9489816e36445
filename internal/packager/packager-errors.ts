import createError from '@fastify/error'
import { errorTable } from '../http/error-table.js'

/**
 * Errors the packager answers with, besides the shared HttpErrors: expected answers, logged as one
 * line without a stack (warn for 5xx, info for 4xx and for a blocked reload released at shutdown).
 */
export const PackagerErrors = errorTable({
  BAD_NAME: createError('PACKAGER_ERR_BAD_NAME', "invalid %s name: allowed are letters, digits, '-', '_' and '.', at most 64-128 characters, no path separators", 400),
  OUTSIDE_ROOT: createError('PACKAGER_ERR_OUTSIDE_ROOT', 'path leaves the served folder', 404),
  NOT_FOUND: createError('PACKAGER_ERR_NOT_FOUND', '%s not found', 404),
  BAD_BLOCKING_PARAMS: createError('PACKAGER_ERR_BAD_BLOCKING_PARAMS', '%s', 400),
  BLOCKING_TIMEOUT: createError('PACKAGER_ERR_BLOCKING_TIMEOUT', 'playlist did not reach media sequence %s within 3 target durations', 503),
  TOO_MANY_WAITERS: createError('PACKAGER_ERR_TOO_MANY_WAITERS', 'too many blocked playlist requests (limit %s), retry without _HLS_msn', 503),
  CLOSING: createError('PACKAGER_ERR_CLOSING', 'packager is shutting down', 503)
} as const, { info: ['CLOSING'] })
