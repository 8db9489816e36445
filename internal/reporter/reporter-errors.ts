import createError from '@fastify/error'
import { errorTable } from '../http/error-table.js'

/** Every error the reporter answers with besides fastify's own body and validation errors. */
export const ReporterErrors = errorTable({
  UNAUTHORIZED: createError('REPORTER_ERR_UNAUTHORIZED', 'missing or wrong bearer token', 401),
  FORBIDDEN: createError('REPORTER_ERR_FORBIDDEN', "this token belongs to the %s role, which may not write %s (only %s's token may)", 403),
  LIMIT: createError('REPORTER_ERR_LIMIT', '%s', 429),
  EDGE_TAKEN: createError('REPORTER_ERR_EDGE_TAKEN', '%s', 409),
  BAD_TYPE: createError('REPORTER_ERR_BAD_TYPE', '%s', 400),
  BAD_SIGNAL: createError('REPORTER_ERR_BAD_SIGNAL', "invalid signal name '%s': allowed are 1-64 letters, digits, '-' or '_', starting with a letter or digit", 400),
  BAD_URL: createError('REPORTER_ERR_BAD_URL', '%s: %s', 400),
  DUPLICATE: createError('REPORTER_ERR_DUPLICATE', '%s: %s is listed twice; list each once', 400),
  NOT_LIVE: createError('REPORTER_ERR_NOT_LIVE', "signal '%s' is not live: no unexpired report names a healthy packager", 404),
  BAD_STREAM: createError('REPORTER_ERR_BAD_STREAM', '%s', 400),
  NO_STREAM: createError('REPORTER_ERR_NO_STREAM', "no stream '%s' is defined", 404),
  WORKER_TAKEN: createError('REPORTER_ERR_WORKER_TAKEN', '%s', 409),
  BAD_FILTER: createError('REPORTER_ERR_BAD_FILTER', 'stream_filter is not a valid regular expression: %s', 400),
  BAD_KEY: createError('REPORTER_ERR_BAD_KEY', 'no live-push stream has this stream key', 403),
  PUBLISH_TAKEN: createError('REPORTER_ERR_PUBLISH_TAKEN', '%s', 409),
  NO_PUBLISH: createError('REPORTER_ERR_NO_PUBLISH', '%s', 409),
  FULL: createError('REPORTER_ERR_FULL', 'the %s store is full (%d entries); wait for reports to expire', 503)
} as const)
