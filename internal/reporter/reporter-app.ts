import type { FastifyReply, FastifyRequest, onErrorHookHandler, onRequestHookHandler, onResponseHookHandler, preValidationHookHandler } from 'fastify'
import type { Registry } from 'prom-client'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import { isValidName } from '../hls/names.js'
import type { Logger } from '../log/logger.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { FleetRegistry } from '../assigner/fleet-registry.js'
import { MemoryRegistry } from '../registry/memory-registry.js'
import type { Registry as SharedRegistry } from '../registry/registry.js'
import { registerFleetRoutes } from './fleet-routes.js'
import { registerPublishRoutes } from './publish-routes.js'
import { EdgeStore } from './edge-store.js'
import { IngestStore } from './ingest-store.js'
import { normalizeUrls } from './normalize-report.js'
import type { ReporterConfig } from './reporter-config.js'
import { ReporterErrors } from './reporter-errors.js'
import { createReporterMetrics, rejectReasonFor } from './reporter-metrics.js'
import { EdgeReportSchema, IngestReportSchema, SignalParamsSchema, type EdgeReport, type IngestReport } from './report-schema.js'
import { edgeRefusalError, ingestRefusalError } from './refusal-errors.js'
import { strictTypeError } from './strict-body-types.js'
import { authorizeWrite, ROUTE_WRITERS, type WriteRoute } from './writer-auth.js'

export interface ReporterAppOptions {
  readonly config: Pick<ReporterConfig, 'tokens' | 'ttlMs' | 'maxTtlMs' | 'bodyLimitBytes'> & Partial<Pick<ReporterConfig, 'limits'>>
  readonly log: Logger
  /** Clock for the TTLs; Date.now unless a test fakes it. */
  readonly now?: () => number
  /** Where every record lives; a MemoryRegistry on `now` when absent. */
  readonly registry?: SharedRegistry
  readonly utcOffsetMinutes?: number
  readonly metrics?: Registry
}

export interface ReporterApp extends HttpApp {
  readonly ingests: IngestStore
  readonly edges: EdgeStore
  readonly fleet: FleetRegistry
  readonly metrics: Registry
}

/** A publish the ingest node stops renewing (it died) frees its stream after this; it renews every second. */
const PUBLISH_TTL_MS = 3000

/** The reporter's routes on the shared HTTP app; the caller decides whether to listen or inject. */
export function buildReporterApp (options: ReporterAppOptions): ReporterApp {
  const { config, log } = options
  const metrics = options.metrics ?? createMetricsRegistry('reporter')
  const now = options.now ?? Date.now
  const registry = options.registry ?? new MemoryRegistry({ now })
  const storeOptions = {
    registry,
    now,
    defaultTtlMs: config.ttlMs,
    maxTtlMs: config.maxTtlMs,
    ...(config.limits !== undefined ? { limits: config.limits } : {}),
    ...(options.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: options.utcOffsetMinutes } : {})
  }
  const ingests = new IngestStore(storeOptions)
  const edges = new EdgeStore(storeOptions)
  const fleet = new FleetRegistry(registry)
  const { reports } = createReporterMetrics(metrics, ingests, edges)
  const http = createHttpApp({ log, metrics, bodyLimitBytes: config.bodyLimitBytes })
  const { app } = http

  // runs before the body is read, so an unauthenticated client cannot make us parse anything;
  // each route takes only its own writer role's token
  const authenticate = (route: WriteRoute, what = `POST /${route}`): onRequestHookHandler => async (request) => {
    const decision = authorizeWrite(request.headers.authorization, config.tokens, route)
    if (decision.ok) return
    if (decision.status === 403) throw new ReporterErrors.FORBIDDEN(decision.role, what, ROUTE_WRITERS[route])
    throw new ReporterErrors.UNAUTHORIZED()
  }
  // before the validator, which would coerce "5" into 5 or 7 into "7": wrong types are a 400
  const strictTypes = (schema: Parameters<typeof strictTypeError>[0]): preValidationHookHandler => async (request) => {
    const error = strictTypeError(schema, request.body)
    if (error !== undefined) throw new ReporterErrors.BAD_TYPE(error)
  }
  const errorCodes = new WeakMap<FastifyRequest, string>()
  const rememberError: onErrorHookHandler = async (request, _reply, error) => {
    errorCodes.set(request, error.code)
  }
  const countWrite = (kind: 'ingests' | 'edges'): onResponseHookHandler => async (request: FastifyRequest, reply: FastifyReply) => {
    if (reply.statusCode < 300) reports.inc({ kind, result: 'accepted', reason: 'ok' })
    else reports.inc({ kind, result: 'rejected', reason: rejectReasonFor(errorCodes.get(request)) })
  }
  const noStore = async (_request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    // the origin polls these; a cache in between must not hand it an old view
    void reply.header('cache-control', 'no-store')
  }

  app.post<{ Body: IngestReport }>('/ingests', {
    schema: { body: IngestReportSchema },
    onRequest: authenticate('ingests'),
    preValidation: strictTypes(IngestReportSchema),
    onError: rememberError,
    onResponse: countWrite('ingests')
  }, async (request) => {
    const report = { ...request.body, packagers: normalizeUrls(request.body.packagers, 'packagers') }
    // report() checks the limits itself; why it refused is read only when it did
    if (!await ingests.report(report)) {
      const refusal = await ingests.refusal(report)
      throw refusal !== undefined ? ingestRefusalError(refusal) : new ReporterErrors.FULL('ingests', 10_000)
    }
    return { signal: report.signal, accepted: report.packagers.length, ttl_ms: Math.min(report.ttl_ms ?? config.ttlMs, config.maxTtlMs) }
  })

  app.get('/ingests', { onSend: noStore }, async () => await ingests.list())

  app.get<{ Params: { signal: string } }>('/ingests/:signal', { schema: { params: SignalParamsSchema }, onSend: noStore }, async (request) => {
    const { signal } = request.params
    if (!isValidName('signal', signal)) throw new ReporterErrors.BAD_SIGNAL(signal)
    const view = await ingests.get(signal)
    if (view === undefined) throw new ReporterErrors.NOT_LIVE(signal)
    return view
  })

  app.post<{ Body: EdgeReport }>('/edges', {
    schema: { body: EdgeReportSchema },
    onRequest: authenticate('edges'),
    preValidation: strictTypes(EdgeReportSchema),
    onError: rememberError,
    onResponse: countWrite('edges')
  }, async (request) => {
    const report = { ...request.body, edges: normalizeUrls(request.body.edges, 'edges', (edge) => edge.id) }
    if (!await edges.report(report)) {
      const refusal = await edges.refusal(report)
      throw refusal !== undefined ? edgeRefusalError(refusal) : new ReporterErrors.FULL('edges', 1000)
    }
    return { accepted: report.edges.length, ttl_ms: Math.min(report.ttl_ms ?? config.ttlMs, config.maxTtlMs) }
  })

  app.get('/edges', { onSend: noStore }, async () => await edges.list())

  registerFleetRoutes(app, { fleet, ttlMs: config.ttlMs, maxTtlMs: config.maxTtlMs, now, authenticate, strictTypes, noStore })
  registerPublishRoutes(app, { fleet, ttlMs: PUBLISH_TTL_MS, now, log, authenticate, strictTypes, noStore })

  return { ...http, ingests, edges, fleet, metrics }
}
