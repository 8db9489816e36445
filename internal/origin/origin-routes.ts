import { randomInt } from 'node:crypto'
import type { FastifyInstance, FastifyReply } from 'fastify'
import type { PlaybackToken } from '../auth/playback-signature.js'
import type { PlaybackGuard } from '../auth/playback-guard.js'
import { contentTypeFor, isValidName } from '../hls/names.js'
import { GAP_FILLER_TS } from '../hls/gap-filler.js'
import { HttpErrors } from '../http/http-errors.js'
import { OriginErrors } from './origin-errors.js'
import type { OriginMetrics } from './origin-metrics.js'
import type { SegmentFetcher } from './segment-fetcher.js'
import { fetchListedSegment } from './listed-segment.js'
import type { SessionRegistry } from './session-registry.js'
import { SIGNAL_LEVEL } from './signal-layout.js'
import type { SignalSession } from './signal-session.js'
import type { BlockingTarget } from './msn-waiters.js'
import { wantsDelta } from '../hls/delta-update.js'
import { STEERING_NAME, steeringManifest } from './content-steering.js'
import { edgeSteeringAnswer, STEERING_BUCKETS, type EdgePlan } from './edge-pathways.js'
import type { OriginPathway } from './origin-pathways.js'

const PLAYLIST_HEADER_LIST: readonly string[] = ['content-type', 'application/vnd.apple.mpegurl', 'cache-control', 'no-cache', 'access-control-allow-origin', '*']
/**
 * How long an edge may keep a playlist answer (X-Accel-Expires; nginx hides it from players):
 * a multivariant playlist is made per player (its steering bucket), so never; a live media
 * playlist for a second, half a 2 s target duration (nginx counts whole seconds); a blocking
 * reload's answer is final once given, so for as long as its segment can be asked for.
 */
const EDGE_CACHE = { perPlayer: 0, live: 1, finalAnswerTargetDurations: 6 } as const
const playlistHeaders = new Map<number, readonly string[]>()
function playlistHeaderList (edgeCacheSeconds: number): readonly string[] {
  let list = playlistHeaders.get(edgeCacheSeconds)
  if (list === undefined) {
    list = [...PLAYLIST_HEADER_LIST, 'x-accel-expires', String(edgeCacheSeconds)]
    playlistHeaders.set(edgeCacheSeconds, list)
  }
  return list
}
// segment paths are never reused for other bytes, so caches (edges, players) may keep them
const SEGMENT_CACHE_CONTROL = 'public, max-age=86400, immutable'

export interface OriginRouteDeps {
  readonly registry: SessionRegistry
  readonly fetcher: SegmentFetcher
  readonly metrics: OriginMetrics
  /** How long the first request for a signal may wait for its first output. */
  readonly firstOutputWaitMs: number
  /** How much longer a playlist request may be held while the first window fills up to 3 target durations. */
  readonly startingHoldMs: number
  /** Set when SIGNING_KEY is: every playlist and segment request needs a valid token. */
  readonly guard?: PlaybackGuard
  /** Set when ORIGIN_PATHWAYS is: `/<signal>/steering.json` answers the steering manifest. */
  readonly pathways?: readonly OriginPathway[]
  /** The edges players are offered as pathways: set, the steering answers rank them per bucket. */
  readonly edgePlan?: () => EdgePlan
}

interface Query { _HLS_msn?: string, _HLS_part?: string, _HLS_skip?: string, exp?: unknown, sig?: unknown, b?: string }

// an edge keeps a bucket's answer a second: the origin answers edges × buckets, not viewers
const STEERING_HEADERS = { 'cache-control': 'no-cache', 'access-control-allow-origin': '*', 'x-accel-expires': '1' }

/** Player-facing routes: entry playlist, media playlists (with blocking reload) and segments. */
export function registerOriginRoutes (app: FastifyInstance, deps: OriginRouteDeps): void {
  app.options('/*', async (_request, reply) => await reply.code(204).headers({
    'access-control-allow-origin': '*', 'access-control-allow-methods': 'GET, HEAD, OPTIONS', 'access-control-max-age': '86400'
  }).send())

  app.get<{ Params: { signal: string, name: string }, Querystring: Query }>('/:signal/:name', async (request, reply) => {
    const { signal, name } = request.params
    // no token needed: it names only edges or replicas, which the multivariant playlist already lists
    if (name === STEERING_NAME) {
      if (!isValidName('signal', signal)) throw new HttpErrors.BAD_NAME('signal', signal)
      const plan = deps.edgePlan?.()
      if (plan !== undefined && plan.pathways.length > 0) return await reply.headers(STEERING_HEADERS).send(edgeSteeringAnswer(signal, plan, parseBucket(request.query.b), deps.pathways))
      if (deps.pathways !== undefined) return await reply.headers(STEERING_HEADERS).send(steeringManifest(deps.pathways))
      throw new HttpErrors.NOT_FOUND('no edge or origin replica is offered as a Content Steering pathway right now')
    }
    const token = authorize(deps, signal, request.query)
    const session = await readySession(deps, signal, name === 'playlist.m3u8' ? reply : undefined)
    if (name === 'playlist.m3u8') {
      const media = session.hasRendition(SIGNAL_LEVEL)
      if (media && request.query._HLS_msn !== undefined) return await sendMedia(reply, deps, session, SIGNAL_LEVEL, request.query, token)
      // each player draws its steering bucket here, so the players of one edge spread over all edges
      const bucket = media ? undefined : randomInt(STEERING_BUCKETS)
      const body = session.entryPlaylist(bucket)
      if (body === undefined) throw new OriginErrors.NO_UPSTREAM(signal)
      // one signed rendering per bucket: under one key the buckets would replace each other's
      return sendPlaylist(reply, signed(deps, `${signal}/playlist.m3u8${bucket === undefined ? '' : `#${bucket}`}`, body, token), media ? EDGE_CACHE.live : EDGE_CACHE.perPlayer)
    }
    return await sendSegment(reply, deps, session, SIGNAL_LEVEL, name)
  })

  app.get<{ Params: { signal: string, rendition: string, name: string }, Querystring: Query }>('/:signal/:rendition/:name', async (request, reply) => {
    const { signal, rendition, name } = request.params
    if (!isValidName('rendition', rendition)) throw new HttpErrors.BAD_NAME('rendition', rendition)
    const token = authorize(deps, signal, request.query)
    const session = await readySession(deps, signal, name.endsWith('.m3u8') ? reply : undefined)
    if (name.endsWith('.m3u8')) {
      if (!isValidName('playlist', name)) throw new HttpErrors.BAD_NAME('playlist', name)
      if (!isVariantPlaylist(session, rendition, name)) throw new HttpErrors.NOT_FOUND(`playlist '${rendition}/${name}' not found`)
      return await sendMedia(reply, deps, session, rendition, request.query, token)
    }
    return await sendSegment(reply, deps, session, rendition, name)
  })
}

/**
 * With a guard, the request's token for this signal, or a 403 with a one-line reason. Checked
 * before a session exists, so unsigned requests cannot make the origin follow a signal.
 */
function authorize (deps: OriginRouteDeps, signal: string, query: Query): PlaybackToken | undefined {
  if (deps.guard === undefined) return undefined
  if (!isValidName('signal', signal)) throw new HttpErrors.BAD_NAME('signal', signal)
  const check = deps.guard.check(signal, query)
  if (!check.ok) throw new OriginErrors.FORBIDDEN(check.reason)
  return check.token
}

// "<rendition>/<name>" of every variant a master playlist lists, read once per master body
const variantPaths = new WeakMap<Buffer, ReadonlySet<string>>()

/**
 * Whether `<rendition>/<name>` is a media playlist the signal's multivariant playlist lists: only
 * that name answers the rendition's playlist, not any `*.m3u8` under it. A one-rendition signal
 * has no renditions under it, which mediaPlaylist answers with its own 404.
 */
function isVariantPlaylist (session: SignalSession, rendition: string, name: string): boolean {
  const entry = session.entryPlaylist()
  if (entry === undefined || session.hasRendition(SIGNAL_LEVEL)) return true
  let paths = variantPaths.get(entry)
  if (paths === undefined) {
    // a steered master lists absolute URIs (<replica>/<signal>/<rendition>/<name>): the last two parts name it
    paths = new Set(entry.toString('utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'))
      .map((uri) => uri.split('?')[0]?.split('/').slice(-2).join('/') ?? ''))
    variantPaths.set(entry, paths)
  }
  return paths.has(`${rendition}/${name}`)
}

function signed (deps: OriginRouteDeps, playlistKey: string, body: Buffer, token: PlaybackToken | undefined): Buffer {
  if (deps.guard === undefined || token === undefined) return body
  return deps.guard.playlist(playlistKey, body, token)
}

/**
 * The signal's session once it can answer. A playlist request (`playlistReply`) waits until the
 * window holds 3 target durations: in a stream's first seconds it is held (a slow first load,
 * which every player forgives), then answered 503 with Retry-After (which hls.js, for one, retries
 * only once). Segment requests need only the first output: whatever is listed can be fetched.
 */
async function readySession (deps: OriginRouteDeps, signal: string, playlistReply?: FastifyReply): Promise<SignalSession> {
  if (!isValidName('signal', signal)) throw new HttpErrors.BAD_NAME('signal', signal)
  const session = deps.registry.get(signal)
  if (session === undefined) throw new OriginErrors.TOO_MANY_SIGNALS(String(deps.registry.all().length))
  if (!await session.whenReady(deps.firstOutputWaitMs)) throw new OriginErrors.NO_UPSTREAM(signal)
  if (playlistReply === undefined || await session.whenReady(deps.startingHoldMs, 'playable')) return session
  const have = session.windowSeconds()
  const need = session.neededWindowSeconds()
  void playlistReply.header('retry-after', String(Math.max(1, Math.ceil(need - have))))
  throw new OriginErrors.STARTING(signal, have.toFixed(1), need.toFixed(1))
}

async function sendMedia (reply: FastifyReply, deps: OriginRouteDeps, session: SignalSession, rendition: string, query: Query, token: PlaybackToken | undefined): Promise<FastifyReply> {
  const block = parseBlocking(query)
  const msn = block?.msn
  const answer = await session.mediaPlaylist(rendition, block, wantsDelta(query._HLS_skip))
  switch (answer.kind) {
    case 'playlist': return sendPlaylist(reply, signed(deps, `${session.signal}/${rendition}`, answer.body, token), msn === undefined ? EDGE_CACHE.live : Math.ceil(EDGE_CACHE.finalAnswerTargetDurations * session.targetDurationMs / 1000))
    case 'unknown-rendition': throw new OriginErrors.RENDITION_UNKNOWN(session.signal, rendition)
    case 'bad-msn': throw new OriginErrors.BAD_BLOCKING_REQUEST(answer.message)
    case 'blocking-timeout': throw new OriginErrors.BLOCKING_TIMEOUT(String(msn), (session.holdMs / 1000).toFixed(1))
    case 'not-ready': throw new OriginErrors.NO_UPSTREAM(session.signal)
  }
}

/**
 * The hot path of every player: bytes rendered once per change, headers prepared once. Writing
 * them straight out skips fastify's send pipeline (serializers, onSend) but keeps its onResponse
 * hook, so request metrics still count it.
 */
function sendPlaylist (reply: FastifyReply, body: Buffer, edgeCacheSeconds: number): FastifyReply {
  reply.hijack()
  reply.raw.writeHead(200, [...playlistHeaderList(edgeCacheSeconds), 'content-length', String(body.length)])
  reply.raw.end(reply.request.method === 'HEAD' ? undefined : body)
  return reply
}

/** The steering bucket a player was given with its multivariant playlist (0 when it sent none). */
function parseBucket (raw: string | undefined): number {
  if (raw === undefined) return 0
  if (!/^\d{1,3}$/.test(raw) || Number(raw) >= STEERING_BUCKETS) throw new OriginErrors.BAD_STEERING_REQUEST(`b must be a steering bucket from 0 to ${STEERING_BUCKETS - 1}, got '${raw.slice(0, 32)}'`)
  return Number(raw)
}

function parseBlocking (query: Query): BlockingTarget | undefined {
  const raw = query._HLS_msn
  if (raw === undefined) {
    if (query._HLS_part !== undefined) throw new OriginErrors.BAD_BLOCKING_REQUEST('_HLS_part needs _HLS_msn')
    return undefined
  }
  if (!/^\d{1,16}$/.test(raw)) throw new OriginErrors.BAD_BLOCKING_REQUEST(`_HLS_msn must be a non-negative integer, got '${raw.slice(0, 32)}'`)
  const part = query._HLS_part
  if (part !== undefined && (typeof part !== 'string' || !/^\d{1,5}$/.test(part))) {
    throw new OriginErrors.BAD_BLOCKING_REQUEST(`_HLS_part must be a non-negative integer, got '${String(part).slice(0, 32)}'`)
  }
  return part === undefined ? { msn: Number(raw) } : { msn: Number(raw), part: Number(part) }
}

async function sendSegment (reply: FastifyReply, deps: OriginRouteDeps, session: SignalSession, rendition: string, name: string): Promise<FastifyReply> {
  if (!isValidName('segment', name)) throw new HttpErrors.BAD_NAME('segment', name)
  const sources = session.segmentSources(rendition, name)
  // a gap has no candidates: only looked up then, so a listed segment costs one timeline search
  if (sources?.length === 0 && name.endsWith('.ts') && session.isGap(rendition, name)) {
    // only players that do not implement EXT-X-GAP ask (see gap-filler.ts); final for its MSN, so cacheable
    return await reply.headers({ 'content-type': contentTypeFor(name), 'cache-control': SEGMENT_CACHE_CONTROL, 'access-control-allow-origin': '*' }).send(GAP_FILLER_TS)
  }
  if (sources === undefined || sources.length === 0) {
    // a preload-hinted part, asked for before it exists: held until the output lists it
    if (sources !== undefined || !await session.whenPartListed(rendition, name)) throw new OriginErrors.SEGMENT_UNKNOWN(name)
  }
  const key = `${session.signal}/${rendition}/${name}`
  // held while no packager answers: longer than any freeze the design bridges
  const result = await fetchListedSegment(deps.fetcher, key, { sources: () => session.segmentSources(rendition, name), deadline: Date.now() + session.holdMs, pauseMs: 250 })
  if (!result.ok) {
    const tried = result.attempts.map((a) => `${a.base}: ${a.failure}`).join(', ')
    if (result.attempts.every((a) => a.failure === 'http_404')) throw new OriginErrors.SEGMENT_UNKNOWN(name)
    throw new OriginErrors.SEGMENT_UNAVAILABLE(name, tried)
  }
  deps.metrics.segmentsServed.inc({ source: result.from === 'cache' ? 'origin-cache' : 'packager' })
  return await reply.headers({
    'content-type': contentTypeFor(name),
    'cache-control': SEGMENT_CACHE_CONTROL,
    'access-control-allow-origin': '*'
  }).send(result.body)
}
