import { isValidName } from '../hls/names.js'

/** A fleet worker as readers of GET /workers use it: which streams it encodes, for which packager. */
export interface FleetWorker {
  readonly id: string
  readonly host: string
  /** Plain origin of its packager, no trailing slash. */
  readonly packager: string
  readonly streams: readonly string[]
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/

/**
 * Pure: the reporter's GET /workers answer, as the origin's status page and discovery read it:
 * well-formed entries only (names end up on a page and in probe URLs), packagers as plain origins.
 */
export function parseFleetWorkers (body: unknown): FleetWorker[] | undefined {
  if (!Array.isArray(body)) return undefined
  return body.flatMap((entry): FleetWorker[] => {
    const { id, host, packager, streams } = (entry ?? {}) as Record<string, unknown>
    if (typeof id !== 'string' || !ID.test(id) || typeof host !== 'string' || host.length > 253 || typeof packager !== 'string' || !Array.isArray(streams)) return []
    let url: URL
    try { url = new URL(packager) } catch { return [] }
    // scheme, host and port only: discovery appends /<signal>/… to it
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.pathname !== '/' || url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return []
    return [{ id, host, packager: url.origin, streams: streams.filter((s): s is string => typeof s === 'string' && isValidName('signal', s)) }]
  })
}
