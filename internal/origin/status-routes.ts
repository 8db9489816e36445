import { createRequire } from 'node:module'
import { dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { FastifyInstance } from 'fastify'
import fastifyStatic from '@fastify/static'
import { isLoopbackHost } from '../config/env-readers.js'
import type { StatusSnapshot } from './status-model.js'
import { DEFAULT_STREAM_OPTIONS, StatusStream, type StatusStreamOptions } from './status-stream.js'

/** The page itself: plain files, no build step. */
export const STATUS_ASSETS_DIR = fileURLToPath(new URL('../../assets/status/', import.meta.url))

// served from the origin itself, never a CDN: the page must work where only the origin is reachable
const HLS_JS_DIR = dirname(createRequire(import.meta.url).resolve('hls.js/dist/hls.min.js'))

// data reaches the page only through textContent; the policy is a second fence. hls.js runs its
// demuxer in a blob: worker and fetches segments from the edges, which are other origins.
const PAGE_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
    "media-src 'self' blob:; worker-src 'self' blob:; connect-src 'self' http: https:; frame-ancestors 'none'; base-uri 'none'",
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache'
}

export interface StatusRouteOptions {
  readonly snapshot: () => StatusSnapshot
  readonly stream?: Partial<StatusStreamOptions>
}

/**
 * The operator status page on the origin: GET / (the page and its files), GET /status.json,
 * GET /status/events (server-sent events) and GET /assets/hls.min.js for the embedded player.
 */
export function registerStatusRoutes (app: FastifyInstance, options: StatusRouteOptions): StatusStream {
  const stream = new StatusStream(options.snapshot, { ...DEFAULT_STREAM_OPTIONS, ...options.stream })
  // open event streams would otherwise hold the server open on close
  app.addHook('preClose', async () => { stream.close() })
  // said loudly once at start: beyond loopback, anyone who reaches the port sees the operator's view
  app.addHook('onListen', async () => {
    const address = app.server.address()
    if (address === null || typeof address === 'string' || isLoopbackHost(address.address)) return
    app.log.warn({ address: address.address, port: address.port, routes: ['/', '/status.json', '/status/events'] },
      'operator status page is public on a non-loopback listener: anyone who reaches this port sees signals, packagers and edges (STATUS_PAGE=false turns it off)')
  })

  // one route per file found at start, no wildcard: the origin's /:signal/:name routes stay its own
  void app.register(fastifyStatic, {
    root: STATUS_ASSETS_DIR,
    prefix: '/',
    wildcard: false,
    index: ['index.html'],
    setHeaders: (res) => { for (const [k, v] of Object.entries(PAGE_HEADERS)) res.setHeader(k, v) }
  })

  app.get('/assets/hls.min.js', async (_request, reply) => {
    return await reply.header('cache-control', 'public, max-age=3600').sendFile('hls.min.js', HLS_JS_DIR)
  })

  app.get('/status.json', async (_request, reply) => {
    return await reply.headers({ 'cache-control': 'no-store' }).send(options.snapshot())
  })

  app.get('/status/events', async (request, reply) => {
    stream.attach(request, reply)
    return reply
  })
  return stream
}
