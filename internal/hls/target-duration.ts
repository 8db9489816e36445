/**
 * The target duration to assume before a playlist has told us its own (nothing loaded yet, or a
 * playlist without EXT-X-TARGETDURATION): the worker's default segment length (SEGMENT_DURATION),
 * so every service guesses the same. Only a fallback: a real EXT-X-TARGETDURATION always wins.
 */
export const FALLBACK_TARGET_DURATION_S = 2

/** FALLBACK_TARGET_DURATION_S in milliseconds. */
export const FALLBACK_TARGET_DURATION_MS = FALLBACK_TARGET_DURATION_S * 1000
