import { Agent, request } from 'undici'
import { DEFAULT_PARSE_LIMITS, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'

/** What the simulated players saw, per segment path and per edge. */
export interface EdgePlayersResult {
  readonly playlistRequests: number
  readonly segmentRequests: number
  readonly hits: number
  readonly misses: number
  /** Any other X-Cache-Status (EXPIRED, UPDATING, STALE, BYPASS) or none. */
  readonly otherCache: number
  readonly non200: number
  /** Segment answers that were not 200, by status code. */
  readonly non200ByStatus: ReadonlyMap<number, number>
  readonly errors: number
  /** Segment URIs that were not on an edge the bench started. */
  readonly offEdge: number
  /** MISS answers per segment path: 1 each when proxy_cache_lock does its job. */
  readonly missesByPath: ReadonlyMap<string, number>
  /** Segment requests per edge origin (scheme://host:port). */
  readonly requestsByEdge: ReadonlyMap<string, number>
  /** Every segment path requested, with the edge it was requested from. */
  readonly edgeByPath: ReadonlyMap<string, string>
}

export interface EdgePlayersOptions {
  /** Media playlists on the edges; players are spread over them round-robin. */
  readonly mediaUrls: readonly string[]
  readonly players: number
  /** How often each player reloads its media playlist. */
  readonly pollMs: number
  readonly durationMs: number
  readonly edgeOrigins: ReadonlySet<string>
}

/**
 * Many live players in this process: each reloads its media playlist (on an edge) and fetches
 * every segment that appears (starting from the newest when it joins) at the URI the origin gives,
 * counting the edge's X-Cache-Status. Joins are spread over one poll period, as real audiences
 * drift. Bounded by `durationMs`.
 */
export async function runEdgePlayers (options: EdgePlayersOptions): Promise<EdgePlayersResult> {
  const agent = new Agent({ connections: 64, pipelining: 1, keepAliveTimeout: 30_000 })
  const deadline = Date.now() + options.durationMs
  const missesByPath = new Map<string, number>()
  const requestsByEdge = new Map<string, number>()
  const edgeByPath = new Map<string, string>()
  let playlistRequests = 0
  let segmentRequests = 0
  let hits = 0
  let misses = 0
  let otherCache = 0
  let non200 = 0
  let errors = 0
  let offEdge = 0
  const non200ByStatus = new Map<number, number>()

  const fetchSegment = async (uri: URL): Promise<void> => {
    segmentRequests++
    requestsByEdge.set(uri.origin, (requestsByEdge.get(uri.origin) ?? 0) + 1)
    edgeByPath.set(uri.pathname, uri.origin)
    if (!options.edgeOrigins.has(uri.origin)) offEdge++
    try {
      const res = await request(uri, { dispatcher: agent, signal: AbortSignal.timeout(15_000) })
      await res.body.dump({ limit: Infinity })
      if (res.statusCode !== 200) {
        non200++
        non200ByStatus.set(res.statusCode, (non200ByStatus.get(res.statusCode) ?? 0) + 1)
        return
      }
      const cache = res.headers['x-cache-status']
      if (cache === 'HIT') hits++
      else if (cache === 'MISS') {
        misses++
        missesByPath.set(uri.pathname, (missesByPath.get(uri.pathname) ?? 0) + 1)
      } else otherCache++
    } catch {
      errors++
    }
  }

  const player = async (index: number): Promise<void> => {
    const url = options.mediaUrls[index % options.mediaUrls.length] as string
    await new Promise((resolve) => setTimeout(resolve, Math.floor((index / options.players) * options.pollMs)))
    let newest = -1
    while (Date.now() < deadline) {
      const started = Date.now()
      try {
        playlistRequests++
        const res = await request(url, { dispatcher: agent, signal: AbortSignal.timeout(10_000) })
        const text = await res.body.text()
        if (res.statusCode !== 200) non200++
        else {
          const parsed = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true })
          if (parsed.ok) {
            const segments = parsed.playlist.segments
            const fresh = newest < 0 ? segments.slice(-1) : segments.filter((s) => s.msn > newest)
            for (const segment of fresh) await fetchSegment(new URL(segment.uri, url))
            newest = segments.at(-1)?.msn ?? newest
          }
        }
      } catch {
        errors++
      }
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, options.pollMs - (Date.now() - started))))
    }
  }

  try {
    await Promise.all(Array.from({ length: options.players }, async (_, i) => { await player(i) }))
  } finally {
    await agent.close()
  }
  return { playlistRequests, segmentRequests, hits, misses, otherCache, non200, non200ByStatus, errors, offEdge, missesByPath, requestsByEdge, edgeByPath }
}
