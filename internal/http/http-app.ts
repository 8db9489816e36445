import Fastify, { LogController, type FastifyInstance, type FastifyError, type FastifyBaseLogger, type FastifyReply } from 'fastify'
import { Counter, type Registry } from 'prom-client'
import type { Logger } from '../log/logger.js'
import { expectedLevel } from './error-table.js'
import { HttpErrors } from './http-errors.js'
import { loggedUrl } from './logged-url.js'

// what an error without a code of its own is answered with
const INTERNAL = new HttpErrors.INTERNAL()

// names are at most 64 (signals, renditions) or 128 (segments) characters: 200 leaves room, no more
const MAX_PARAM_LENGTH = 200

export interface HttpAppOptions {
  readonly log: Logger
  readonly metrics: Registry
  readonly bodyLimitBytes?: number
}

export interface HttpApp {
  readonly app: FastifyInstance
  /** Marks the service unready: /healthz answers 503 so balancers stop sending traffic before close. */
  markDraining: () => void
}

/**
 * Fastify with what every service shares: /healthz, /metrics, JSON errors. Errors are logged once
 * by the handler below: 4xx at info; a 5xx from a declared error table (errorTable) at warn, or
 * info for shutdown, one line without a stack; any other 5xx is a bug, at error with its stack.
 * Logged URLs never carry the query string.
 */
export function createHttpApp (options: HttpAppOptions): HttpApp {
  const app = Fastify({
    loggerInstance: options.log as FastifyBaseLogger,
    // one log line per segment request would drown what matters; errors are logged by the handler below
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: options.bodyLimitBytes ?? 64 * 1024,
    // names are validated by the routes; over-long junk is refused by the router before that
    routerOptions: { maxParamLength: MAX_PARAM_LENGTH },
    return503OnClosing: true,
    // the router's own refusals (a path part over maxParamLength, a malformed %-escape) answer in
    // our shape with their own status text, not fastify's default body that says "Bad Request" for
    // a 414 and echoes the whole path
    frameworkErrors: (error, request, reply) => {
      const refusal = error.code === 'FST_ERR_MAX_PARAM_LENGTH' ? new HttpErrors.URI_TOO_LONG(String(MAX_PARAM_LENGTH)) : new HttpErrors.BAD_URL()
      const status = refusal.statusCode ?? 400
      request.log.info({ code: refusal.code, status, method: request.method, url: loggedUrl(request.url).slice(0, 256) }, refusal.message)
      void (reply as FastifyReply).code(status).header('access-control-allow-origin', '*').send({ error: refusal.code, message: refusal.message })
    }
  })
  let draining = false

  const requests = new Counter({
    name: 'http_requests_total',
    help: 'HTTP requests answered, by route template and status code',
    labelNames: ['route', 'status'] as const,
    registers: [options.metrics]
  })
  app.addHook('onResponse', async (request, reply) => {
    // the route template, never the raw URL: request data must not become label values
    requests.inc({ route: request.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) })
  })

  app.get('/healthz', async (_request, reply) => {
    if (draining) return await reply.code(503).send({ status: 'draining' })
    return { status: 'ok' }
  })
  app.get('/metrics', async (_request, reply) => {
    return await reply.type(options.metrics.contentType).send(await options.metrics.metrics())
  })

  app.setErrorHandler((error: FastifyError, request, reply) => {
    const status = error.statusCode !== undefined && error.statusCode >= 400 ? error.statusCode : 500
    const code = error.code ?? INTERNAL.code
    const where = { code, status, method: request.method, url: loggedUrl(request.url) }
    // an error from a declared table is a handled condition: one line, no stack (see error-table.ts)
    const level = expectedLevel(error, status) ?? (status < 500 ? 'info' : undefined)
    if (level !== undefined) request.log[level](where, error.message)
    else request.log.error({ ...where, err: error }, 'request failed')
    // a browser player must be able to read a 4xx/5xx as such, not as an opaque CORS failure
    void reply.code(status).header('access-control-allow-origin', '*').send({ error: code, message: status >= 500 && error.code === undefined ? INTERNAL.message : error.message })
  })
  app.setNotFoundHandler((request, reply) => {
    const missing = new HttpErrors.NOT_FOUND(`no route for ${request.method} ${request.url.split('?')[0] ?? ''}`)
    void reply.code(missing.statusCode ?? 404).header('access-control-allow-origin', '*').send({ error: missing.code, message: missing.message })
  })

  return { app, markDraining: () => { draining = true } }
}
