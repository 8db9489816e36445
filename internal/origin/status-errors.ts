import createError from '@fastify/error'
import { errorTable } from '../http/error-table.js'

/** The status page's coded errors. */
export const StatusErrors = errorTable({
  TOO_MANY_CLIENTS: createError('STATUS_ERR_TOO_MANY_CLIENTS', 'the status stream already has its maximum of %s clients; poll /status.json instead', 503)
} as const)
