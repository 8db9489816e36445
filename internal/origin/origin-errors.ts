import createError from '@fastify/error'
import { errorTable } from '../http/error-table.js'

/** The origin's coded errors: expected answers, logged as one line without a stack (warn for 5xx, info for 4xx). */
export const OriginErrors = errorTable({
  NO_UPSTREAM: createError('ORIGIN_ERR_NO_UPSTREAM', "no packager can serve signal '%s' right now", 503),
  STARTING: createError('ORIGIN_ERR_STARTING', "signal '%s' is starting: its playlists hold %s s of the 3 target durations (%s s) a live playlist keeps", 503),
  SEGMENT_UNAVAILABLE: createError('ORIGIN_ERR_SEGMENT_UNAVAILABLE', "segment '%s' could not be fetched from any packager (%s)", 502),
  SEGMENT_UNKNOWN: createError('ORIGIN_ERR_SEGMENT_UNKNOWN', "segment '%s' is not in the output timeline", 404),
  RENDITION_UNKNOWN: createError('ORIGIN_ERR_RENDITION_UNKNOWN', "signal '%s' has no rendition '%s'", 404),
  BAD_BLOCKING_REQUEST: createError('ORIGIN_ERR_BAD_BLOCKING_REQUEST', '%s', 400),
  BAD_STEERING_REQUEST: createError('ORIGIN_ERR_BAD_STEERING_REQUEST', '%s', 400),
  BLOCKING_TIMEOUT: createError('ORIGIN_ERR_BLOCKING_TIMEOUT', 'segment %s did not appear within %s s', 503),
  FORBIDDEN: createError('ORIGIN_ERR_FORBIDDEN', 'playback URL not authorized: %s', 403),
  TOO_MANY_SIGNALS: createError('ORIGIN_ERR_TOO_MANY_SIGNALS', 'the origin already tracks its maximum of %s signals', 503)
} as const)
