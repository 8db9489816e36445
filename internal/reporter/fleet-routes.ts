import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preValidationHookHandler } from 'fastify'
import { ConfigError } from '../config/config-error.js'
import type { FleetRegistry, WorkerRecord } from '../assigner/fleet-registry.js'
import { isValidName } from '../hls/names.js'
import { isPushSource, parseStreamDefinition, publicDefinition } from '../streams/stream-definition.js'
import { streamViews, workerViews } from './fleet-views.js'
import { ReporterErrors } from './reporter-errors.js'
import { StreamParamsSchema, WorkerHeartbeatSchema, type WorkerHeartbeat } from './report-schema.js'
import type { WriteRoute } from './writer-auth.js'

export interface FleetRouteOptions {
  readonly fleet: FleetRegistry
  readonly ttlMs: number
  readonly maxTtlMs: number
  readonly now: () => number
  readonly authenticate: (route: WriteRoute, what: string) => onRequestHookHandler
  readonly strictTypes: (schema: typeof WorkerHeartbeatSchema) => preValidationHookHandler
  readonly noStore: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/**
 * Workers and streams on the reporter: a worker's heartbeat (answered with its assignment), the
 * fleet's views, and the operators' stream definitions. Every fact lives in the registry, so any
 * reporter answers the same.
 */
export function registerFleetRoutes (app: FastifyInstance, options: FleetRouteOptions): void {
  const { fleet, noStore } = options

  app.post<{ Body: WorkerHeartbeat }>('/workers', {
    schema: { body: WorkerHeartbeatSchema },
    onRequest: options.authenticate('workers', 'POST /workers'),
    preValidation: options.strictTypes(WorkerHeartbeatSchema)
  }, async (request) => {
    const beat = request.body
    if (beat.stream_filter !== undefined) checkFilter(beat.stream_filter)
    const ttlMs = Math.min(beat.ttl_ms ?? options.ttlMs, options.maxTtlMs)
    const packager = beat.packager.replace(/\/+$/, '')
    // first registration wins while it lives, as for edges: a second process given the same
    // WORKER_ID (a copied config) must not take over the first one's streams and packager
    const held = await fleet.worker(beat.id)
    if (held !== undefined && (held.host !== beat.host || held.packager !== packager)) {
      throw new ReporterErrors.WORKER_TAKEN(`worker '${beat.id}' is registered from host ${held.host} with packager ${held.packager}; a worker id is held until its registration expires (its TTL): give each worker its own WORKER_ID`)
    }
    const record: WorkerRecord = {
      id: beat.id,
      host: beat.host,
      capacity: beat.capacity,
      stream_filter: beat.stream_filter ?? null,
      packager,
      load: beat.load,
      running: [...new Set(beat.streams)],
      last_seen: new Date(options.now()).toISOString()
    }
    await fleet.heartbeat(record, ttlMs)
    const [assignments, streams] = await Promise.all([fleet.assignments(), fleet.streams()])
    // a stream with no assignment record (the registry lost it and the assigner has not placed
    // again yet) stays with whoever runs it: "unknown" must not read as "assigned elsewhere"
    const running = new Set(beat.streams)
    const assigned = streams.filter((s) => assignments[s.name]?.includes(beat.id) ?? running.has(s.name)).map(publicDefinition)
    // the live pushes of its streams, with their play secrets: where to pull each and by which anchor
    const pushed = new Set(assigned.filter((s) => isPushSource(s.source)).map((s) => s.name))
    const publishes = (await fleet.publishes()).filter((p) => pushed.has(p.stream))
    return { id: beat.id, ttl_ms: ttlMs, assigned, publishes }
  })

  app.get('/workers', { onSend: noStore }, async () => {
    const [workers, assignments] = await Promise.all([fleet.workers(), fleet.assignments()])
    return workerViews(workers, assignments)
  })

  app.get('/streams', { onSend: noStore }, async () => {
    const [streams, assignments, workers] = await Promise.all([fleet.streams(), fleet.assignments(), fleet.workers()])
    return streamViews(streams, assignments, workers)
  })

  app.get<{ Params: { name: string } }>('/streams/:name', { schema: { params: StreamParamsSchema }, onSend: noStore }, async (request) => {
    const name = checkedName(request.params.name)
    const [streams, assignments, workers] = await Promise.all([fleet.streams(), fleet.assignments(), fleet.workers()])
    const view = streamViews(streams.filter((s) => s.name === name), assignments, workers)[0]
    if (view === undefined) throw new ReporterErrors.NO_STREAM(name)
    return view
  })

  app.put<{ Params: { name: string }, Body: unknown }>('/streams/:name', {
    schema: { params: StreamParamsSchema },
    onRequest: options.authenticate('streams', 'PUT /streams/<name>')
  }, async (request, reply) => {
    const name = checkedName(request.params.name)
    const body = request.body
    const withName = typeof body === 'object' && body !== null && !Array.isArray(body) ? { name, ...body } : body
    let definition
    try {
      definition = parseStreamDefinition(withName, 'body')
    } catch (err) {
      if (err instanceof ConfigError) throw new ReporterErrors.BAD_STREAM(err.message)
      throw err
    }
    if (definition.name !== name) throw new ReporterErrors.BAD_STREAM(`body.name: '${definition.name}' differs from the path's '${name}'`)
    const existed = await fleet.stream(name) !== undefined
    await fleet.putStreams([definition])
    request.log.info({ stream: name, created: !existed }, existed ? 'stream redefined' : 'stream defined')
    void reply.code(existed ? 200 : 201)
    return publicDefinition(definition)
  })

  app.delete<{ Params: { name: string } }>('/streams/:name', {
    schema: { params: StreamParamsSchema },
    onRequest: options.authenticate('streams', 'DELETE /streams/<name>')
  }, async (request, reply) => {
    const name = checkedName(request.params.name)
    if (!await fleet.removeStream(name)) throw new ReporterErrors.NO_STREAM(name)
    request.log.info({ stream: name }, 'stream deleted')
    void reply.code(204)
  })
}

function checkedName (name: string): string {
  if (!isValidName('signal', name)) throw new ReporterErrors.BAD_SIGNAL(name)
  return name
}

function checkFilter (filter: string): void {
  try {
    void new RegExp(filter)
  } catch (err) {
    throw new ReporterErrors.BAD_FILTER((err as Error).message)
  }
}
