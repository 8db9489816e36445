import { isValidName } from '../hls/names.js'

/** A push stream's publishes as the status page shows them: which roles are on, on which ingest. */
export interface PushStatus {
  readonly stream: string
  readonly publishes: ReadonlyArray<{ readonly role: 'main' | 'backup', readonly ingest: string }>
}

const INGEST = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

/**
 * Pure: from the reporter's GET /streams and GET /publishes answers, every push stream with its
 * live publishes (none: the publisher is away and the workers show the slate). Well-formed entries
 * only: names end up on a page.
 */
export function parsePushStatus (streams: unknown, publishes: unknown): PushStatus[] | undefined {
  if (!Array.isArray(streams) || !Array.isArray(publishes)) return undefined
  const pushed = streams.flatMap((s) => {
    const { name, source } = (s ?? {}) as Record<string, unknown>
    return typeof name === 'string' && isValidName('signal', name) && typeof source === 'object' && source !== null && (source as Record<string, unknown>).push === true ? [name] : []
  })
  const live = publishes.flatMap((p): Array<{ stream: string, role: 'main' | 'backup', ingest: string }> => {
    const { stream, role, ingest } = (p ?? {}) as Record<string, unknown>
    return typeof stream === 'string' && (role === 'main' || role === 'backup') && typeof ingest === 'string' && INGEST.test(ingest) ? [{ stream, role, ingest }] : []
  })
  return pushed.sort().map((stream) => ({
    stream,
    publishes: live.filter((p) => p.stream === stream).map(({ role, ingest }) => ({ role, ingest })).sort((a, b) => a.role < b.role ? 1 : -1)
  }))
}
