import { createReadStream } from 'node:fs'
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify'
import { blockingTimeoutMs, decideBlockingReload, parseBlockingParams, type BlockingRequest } from './blocking-reload.js'
import { wantsDelta } from '../hls/delta-update.js'
import { PART_FILE, PLAYLIST_FILE } from '../hls/names.js'
import { parseByteRange } from './byte-range.js'
import type { DeltaPlaylists } from './delta-playlists.js'
import type { CachedFile, FileStore, LargeFile, StoredFile } from './file-store.js'
import { PackagerErrors } from './packager-errors.js'
import type { PackagerMetrics } from './packager-metrics.js'
import type { PlaylistWaiters, WaitOutcome } from './playlist-waiters.js'
import type { PlaylistScan } from '../hls/playlist-scanner.js'
import { isRefusal, resolveRequestTarget, type RequestTarget } from './request-target.js'

export interface PackagerRouteDeps {
  readonly store: FileStore
  readonly waiters: PlaylistWaiters
  readonly metrics: PackagerMetrics
  readonly deltas: DeltaPlaylists
}

interface FileParams { signal: string, rendition?: string, file: string }

const PREFLIGHT_HEADERS = {
  'access-control-allow-origin': '*',
  'access-control-allow-methods': 'GET, HEAD, OPTIONS',
  'access-control-allow-headers': 'Range, If-None-Match, If-Modified-Since, Cache-Control',
  'access-control-max-age': '86400'
} as const

/**
 * GET/HEAD /<signal>/<file> and /<signal>/<rendition>/<file>, served from memory; OPTIONS for
 * CORS preflight; /healthcheck as the Go original (docs/design.md).
 */
export function registerPackagerRoutes (app: FastifyInstance, deps: PackagerRouteDeps): void {
  const { store, waiters, metrics, deltas } = deps
  // a delta update when asked for and offered; the whole playlist otherwise
  const maybeDelta = (request: FastifyRequest, target: RequestTarget, file: CachedFile): CachedFile =>
    target.kind === 'playlist' && wantsDelta((request.query as Record<string, unknown>)._HLS_skip) ? deltas.deltaOf(target.key, file) : file

  const handler = (request: FastifyRequest<{ Params: FileParams }>, reply: FastifyReply): undefined | Promise<FastifyReply> => {
    const { signal, rendition, file } = request.params
    const target = resolveRequestTarget(signal, rendition, file)
    if (isRefusal(target)) {
      refusalHeaders(reply)
      throw new PackagerErrors.BAD_NAME(target.refused)
    }
    metrics.requests[target.kind].inc()
    if (target.kind === 'playlist' && (request.query as Record<string, unknown>)._HLS_msn !== undefined) {
      return serveBlocking(request, reply, target)
    }
    if (target.kind === 'playlist' && (request.query as Record<string, unknown>)._HLS_part !== undefined) {
      refusalHeaders(reply)
      throw new PackagerErrors.BAD_BLOCKING_PARAMS('_HLS_part requires _HLS_msn')
    }
    const hit = store.peek(target.key)
    if (hit !== undefined) {
      metrics.hits[target.kind].inc()
      sendFile(request, reply, maybeDelta(request, target, hit))
      return undefined
    }
    metrics.misses[target.kind].inc()
    return store.get(target.key, target.kind).then(async (stored) => {
      if (stored === undefined && target.kind === 'segment') stored = await awaitPart(request, reply, target)
      sendStored(request, reply, target, stored?.type === 'memory' ? maybeDelta(request, target, stored) : stored)
      return reply
    })
  }

  /** Holds a request on the playlist under `key` until it satisfies `request`; a client that goes away ends the hold. */
  async function holdUntil (reply: FastifyReply, key: string, request: BlockingRequest, info: PlaylistScan): Promise<WaitOutcome | 'full'> {
    const abort = new AbortController()
    const onClose = (): void => { abort.abort() }
    reply.raw.once('close', onClose)
    try {
      const waited = waiters.wait(key, request, blockingTimeoutMs(info), abort.signal)
      return waited === 'full' ? 'full' : await waited
    } finally {
      reply.raw.off('close', onClose)
    }
  }

  /**
   * A part not written yet, but at most the next few after the newest listed (what a preload hint
   * names): held until its playlist lists it, for as long as a blocking reload, then read.
   */
  async function awaitPart (request: FastifyRequest, reply: FastifyReply, target: RequestTarget): Promise<StoredFile | undefined> {
    const slash = target.key.lastIndexOf('/')
    const match = PART_FILE.exec(target.key.slice(slash + 1))
    if (match === null) return undefined
    const playlistKey = `${target.key.slice(0, slash)}/${PLAYLIST_FILE}`
    const playlist = await store.get(playlistKey, 'playlist')
    if (playlist?.type !== 'memory' || playlist.info === undefined) return undefined
    const wanted = { msn: Number(match[1]), part: Number(match[2]) }
    if (decideBlockingReload(playlist.info, wanted) !== 'wait') return undefined
    const waited = await holdUntil(reply, playlistKey, wanted, playlist.info)
    const result = waited === 'full' ? undefined : waited
    metrics.blocking(result === undefined ? 'rejected' : result.outcome === 'ready' ? 'released' : result.outcome)
    return result?.outcome === 'ready' ? await store.get(target.key, target.kind) : undefined
  }

  async function serveBlocking (request: FastifyRequest, reply: FastifyReply, target: RequestTarget): Promise<FastifyReply> {
    const params = parseBlockingParams(request.query as Record<string, unknown>)
    if (!params.ok) {
      metrics.blocking('rejected')
      refusalHeaders(reply)
      throw new PackagerErrors.BAD_BLOCKING_PARAMS(params.reason)
    }
    const blocking = params.request as BlockingRequest
    const stored = await store.get(target.key, target.kind)
    if (stored?.type !== 'memory' || stored.info === undefined) {
      sendStored(request, reply, target, stored)
      return reply
    }
    const decision = decideBlockingReload(stored.info, blocking)
    if (decision === 'ready') {
      metrics.blocking('immediate')
      sendFile(request, reply, maybeDelta(request, target, stored))
      return reply
    }
    if (decision === 'too-far') {
      metrics.blocking('rejected')
      refusalHeaders(reply)
      throw new PackagerErrors.BAD_BLOCKING_PARAMS(`_HLS_msn ${blocking.msn} is more than two beyond the last listed segment ${stored.info.lastMsn}`)
    }
    const result = await holdUntil(reply, target.key, blocking, stored.info)
    if (result === 'full') {
      metrics.blocking('rejected')
      refusalHeaders(reply)
      throw new PackagerErrors.TOO_MANY_WAITERS(waiters.size)
    }
    if (result.outcome === 'ready') {
      metrics.blocking('released')
      sendFile(request, reply, maybeDelta(request, target, result.file))
      return reply
    }
    metrics.blocking(result.outcome)
    refusalHeaders(reply)
    if (result.outcome === 'timeout') throw new PackagerErrors.BLOCKING_TIMEOUT(blocking.msn)
    throw new PackagerErrors.CLOSING()
  }

  app.get<{ Params: FileParams }>('/:signal/:file', handler)
  app.get<{ Params: FileParams }>('/:signal/:rendition/:file', handler)
  app.options('/*', (_request, reply) => { void reply.code(204).headers(PREFLIGHT_HEADERS).send() })
  // the Go original's probe (docs/design.md): any 200 means up
  app.get('/healthcheck', (_request, reply) => { void reply.header('access-control-allow-origin', '*').send('OK') })
}

function sendStored (request: FastifyRequest, reply: FastifyReply, target: RequestTarget, stored: StoredFile | undefined): void {
  if (stored === undefined) {
    refusalHeaders(reply)
    throw new PackagerErrors.NOT_FOUND(target.kind)
  }
  if (stored.type === 'memory') sendFile(request, reply, stored)
  else sendLarge(request, reply, stored)
}

function sendFile (request: FastifyRequest, reply: FastifyReply, file: CachedFile): void {
  const headers = request.headers
  const ifNoneMatch = headers['if-none-match']
  if (ifNoneMatch !== undefined && etagMatches(ifNoneMatch, file.etag)) {
    void reply.code(304).headers(file.baseHeaders).send()
    return
  }
  const rangeHeader = headers.range
  if (rangeHeader !== undefined) {
    const range = parseByteRange(rangeHeader, file.body.length)
    if (range === 'unsatisfiable') {
      void reply.code(416).headers(file.baseHeaders).header('content-range', `bytes */${file.body.length}`).send()
      return
    }
    if (range !== undefined) {
      void reply.code(206).headers(file.baseHeaders)
        .header('content-range', `bytes ${range.start}-${range.end}/${file.body.length}`)
        .send(file.body.subarray(range.start, range.end + 1))
      return
    }
  }
  // the hot path: bytes and headers were prepared when the file was read; skipping fastify's
  // send pipeline (onSend, serializers) keeps its onResponse hooks, so metrics still count it
  reply.hijack()
  const res = reply.raw
  res.writeHead(200, file.headerList as string[])
  res.end(request.method === 'HEAD' ? undefined : file.body)
}

function sendLarge (request: FastifyRequest, reply: FastifyReply, file: LargeFile): void {
  const rangeHeader = request.headers.range
  const range = rangeHeader === undefined ? undefined : parseByteRange(rangeHeader, file.size)
  if (range === 'unsatisfiable') {
    void reply.code(416).headers(file.baseHeaders).header('content-range', `bytes */${file.size}`).send()
    return
  }
  const start = range?.start ?? 0
  const end = range?.end ?? file.size - 1
  void reply.code(range === undefined ? 200 : 206).headers(file.baseHeaders).header('content-length', String(end - start + 1))
  if (range !== undefined) void reply.header('content-range', `bytes ${start}-${end}/${file.size}`)
  void reply.send(createReadStream(file.realPath, { start, end }))
}

function etagMatches (header: string, etag: string): boolean {
  if (header === etag || header.trim() === '*') return true
  return header.split(',').some((tag) => tag.trim().replace(/^W\//, '') === etag)
}

/** Errors: CORS so a browser player can read them; never cached, since the file may appear soon. */
function refusalHeaders (reply: FastifyReply): void {
  void reply.header('access-control-allow-origin', '*').header('cache-control', 'no-store')
}
