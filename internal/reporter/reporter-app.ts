import type { FastifyReply, FastifyRequest, onErrorHookHandler, onRequestHookHandler, onResponseHookHandler } from 'fastify'
import type { Registry } from 'prom-client'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import { isValidName } from '../hls/names.js'
import type { Logger } from '../log/logger.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { bearerMatches } from './bearer-auth.js'
import { EdgeStore } from './edge-store.js'
import { IngestStore } from './ingest-store.js'
import { normalizeUrls } from './normalize-report.js'
import type { ReporterConfig } from './reporter-config.js'
import { ReporterErrors } from './reporter-errors.js'
import { createReporterMetrics, rejectReasonFor } from './reporter-metrics.js'
import { EdgeReportSchema, IngestReportSchema, SignalParamsSchema, type EdgeReport, type IngestReport } from './report-schema.js'

export interface ReporterAppOptions {
  readonly config: Pick<ReporterConfig, 'token' | 'ttlMs' | 'maxTtlMs' | 'bodyLimitBytes'>
  readonly log: Logger
  /** Clock for the TTLs; Date.now unless a test fakes it. */
  readonly now?: () => number
  readonly utcOffsetMinutes?: number
  readonly metrics?: Registry
}

export interface ReporterApp extends HttpApp {
  readonly ingests: IngestStore
  readonly edges: EdgeStore
  readonly metrics: Registry
}

/** The reporter's routes on the shared HTTP app; the caller decides whether to listen or inject. */
export function buildReporterApp (options: ReporterAppOptions): ReporterApp {
  const { config, log } = options
  const metrics = options.metrics ?? createMetricsRegistry('reporter')
  const storeOptions = {
    now: options.now ?? Date.now,
    defaultTtlMs: config.ttlMs,
    maxTtlMs: config.maxTtlMs,
    ...(options.utcOffsetMinutes !== undefined ? { utcOffsetMinutes: options.utcOffsetMinutes } : {})
  }
  const ingests = new IngestStore(storeOptions)
  const edges = new EdgeStore(storeOptions)
  const { reports } = createReporterMetrics(metrics, ingests, edges)
  const http = createHttpApp({ log, metrics, bodyLimitBytes: config.bodyLimitBytes })
  const { app } = http

  // runs before the body is read, so an unauthenticated client cannot make us parse anything
  const authenticate: onRequestHookHandler = async (request) => {
    if (config.token !== undefined && !bearerMatches(request.headers.authorization, config.token)) {
      throw new ReporterErrors.UNAUTHORIZED()
    }
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
    onRequest: authenticate,
    onError: rememberError,
    onResponse: countWrite('ingests')
  }, async (request) => {
    const report = { ...request.body, packagers: normalizeUrls(request.body.packagers, 'packagers') }
    if (!ingests.report(report)) throw new ReporterErrors.FULL('ingests', 10_000)
    return { signal: report.signal, accepted: report.packagers.length, ttl_ms: Math.min(report.ttl_ms ?? config.ttlMs, config.maxTtlMs) }
  })

  app.get('/ingests', { onSend: noStore }, async () => ingests.list())

  app.get<{ Params: { signal: string } }>('/ingests/:signal', { schema: { params: SignalParamsSchema }, onSend: noStore }, async (request) => {
    const { signal } = request.params
    if (!isValidName('signal', signal)) throw new ReporterErrors.BAD_SIGNAL(signal)
    const view = ingests.get(signal)
    if (view === undefined) throw new ReporterErrors.NOT_LIVE(signal)
    return view
  })

  app.post<{ Body: EdgeReport }>('/edges', {
    schema: { body: EdgeReportSchema },
    onRequest: authenticate,
    onError: rememberError,
    onResponse: countWrite('edges')
  }, async (request) => {
    const report = { ...request.body, edges: normalizeUrls(request.body.edges, 'edges', (edge) => edge.id) }
    if (!edges.report(report)) throw new ReporterErrors.FULL('edges', 1000)
    return { accepted: report.edges.length, ttl_ms: Math.min(report.ttl_ms ?? config.ttlMs, config.maxTtlMs) }
  })

  app.get('/edges', { onSend: noStore }, async () => edges.list())

  return { ...http, ingests, edges, metrics }
}
