import createError from '@fastify/error'
import { errorTable } from './error-table.js'

/** Errors every HTTP service can answer with; services keep their own tables for the rest. */
export const HttpErrors = errorTable({
  BAD_NAME: createError('HTTP_ERR_BAD_NAME', "invalid %s '%s': allowed are letters, digits, '-', '_' and '.', no path separators", 400),
  // the whole message is the caller's: 'no route for GET /x', "playlist 'x/y' not found"
  NOT_FOUND: createError('HTTP_ERR_NOT_FOUND', '%s', 404),
  URI_TOO_LONG: createError('HTTP_ERR_URI_TOO_LONG', 'URI too long: a path part is over %s characters', 414),
  BAD_URL: createError('HTTP_ERR_BAD_URL', 'bad request: the URL is not well formed', 400),
  UNAUTHORIZED: createError('HTTP_ERR_UNAUTHORIZED', 'missing or wrong bearer token', 401),
  DRAINING: createError('HTTP_ERR_DRAINING', 'service is shutting down', 503),
  // the answer to an error that came with no code of its own: a bug, logged with its stack
  INTERNAL: createError('HTTP_ERR_INTERNAL', 'internal error', 500)
} as const, { info: ['DRAINING'] })
