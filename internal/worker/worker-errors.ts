import createError from '@fastify/error'

/** The worker's coded errors; each message says what went wrong and what to do. */
export const WorkerErrors = {
  FFMPEG_MISSING: createError('WORKER_ERR_FFMPEG_MISSING', "%s not found or not executable at '%s': install it or set %s", 500),
  INPUT_UNREADABLE: createError('WORKER_ERR_INPUT_UNREADABLE', "input '%s' (INPUT_STREAM_PATH) cannot be read: %s", 500),
  INPUT_UNPLAYABLE: createError('WORKER_ERR_INPUT_UNPLAYABLE', "input '%s' (INPUT_STREAM_PATH) has no usable video stream or duration: %s", 500),
  LOOP_FAILED: createError('WORKER_ERR_LOOP_FAILED', "could not make an exact loop of input '%s' (INPUT_STREAM_PATH): %s", 500),
  SPAWN_FAILED: createError('WORKER_ERR_SPAWN_FAILED', "could not start '%s': %s", 500)
} as const
