import { Type, type Static } from '@sinclair/typebox'
import type { FastifyInstance, FastifyReply, FastifyRequest, onRequestHookHandler, preValidationHookHandler } from 'fastify'
import type { FleetRegistry } from '../assigner/fleet-registry.js'
import type { Logger } from '../log/logger.js'
import type { JsonValue } from '../registry/registry.js'
import { isPushSource } from '../streams/stream-definition.js'
import { PUBLISH_ROLES, publicPublish, publishId, type PublishRecord } from '../streams/publish-record.js'
import { bearerMatches } from './bearer-auth.js'
import { ReporterErrors } from './reporter-errors.js'
import type { WriteRoute } from './writer-auth.js'

const Role = Type.Union(PUBLISH_ROLES.map((role) => Type.Literal(role)))
const Token = Type.String({ minLength: 8, maxLength: 256, pattern: '^[\\x21-\\x7e]+$' })
const Anchor = Type.Union([Type.Null(), Type.Object({ source_ms: Type.Number(), epoch_ms: Type.Number(), probe_ms: Type.Number({ minimum: 0, maximum: 60_000 }) }, { additionalProperties: false })])

/** What the ingest node says of a publish session; the claim adds the publisher's key. */
const SessionFields = {
  role: Role,
  ingest: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9][A-Za-z0-9_-]*$' }),
  session: Type.String({ minLength: 8, maxLength: 64, pattern: '^[A-Za-z0-9_-]+$' }),
  play_token: Token,
  anchor: Anchor,
  has_audio: Type.Boolean()
}
const RtmpUrl = Type.String({ minLength: 1, maxLength: 1024, pattern: '^rtmp://[^\\s?#]+$' })
/** `app_url`: the ingest's RTMP application URL; the stream's pull URL is it plus the stream's name. */
const ClaimSchema = Type.Object({ ...SessionFields, key: Token, app_url: RtmpUrl }, { additionalProperties: false })
const RenewSchema = Type.Object({ ...SessionFields, stream: Type.String({ minLength: 1, maxLength: 64 }), pull_url: RtmpUrl }, { additionalProperties: false })
const ReleaseSchema = Type.Object({ stream: Type.String({ minLength: 1, maxLength: 64 }), role: Role, session: SessionFields.session }, { additionalProperties: false })
const KeysSchema = Type.Object({ streams: Type.Array(Type.String({ minLength: 1, maxLength: 64 }), { maxItems: 256 }) }, { additionalProperties: false })
type Claim = Static<typeof ClaimSchema>
type Renew = Static<typeof RenewSchema>
type Release = Static<typeof ReleaseSchema>
type Keys = Static<typeof KeysSchema>

export interface PublishRouteOptions {
  readonly fleet: FleetRegistry
  /** How long a publish lives without a renewal: an ingest node that died frees its streams after it. */
  readonly ttlMs: number
  readonly now: () => number
  readonly log: Logger
  readonly authenticate: (route: WriteRoute, what: string) => onRequestHookHandler
  /** Wrong JSON types are a 400, not coerced ("x" into ["x"]). */
  readonly strictTypes: (schema: { readonly type: 'object' }) => preValidationHookHandler
  readonly noStore: (request: FastifyRequest, reply: FastifyReply) => Promise<void>
}

/**
 * The ingest nodes' control API. A claim (`POST /publishes`, at the publisher's connect) names
 * the stream whose key it carries, or is refused: a key no push stream has (wrong or rotated out),
 * or a stream whose publish of that role is live already (held by a lease, never taken over).
 * Renewals and the release go by session, so rotating a key never cuts a publish that is on.
 * Logs name the stream, never the key.
 */
export function registerPublishRoutes (app: FastifyInstance, options: PublishRouteOptions): void {
  const { fleet, log } = options
  const registry = fleet.registry

  app.post<{ Body: Claim }>('/publishes', { schema: { body: ClaimSchema }, preValidation: options.strictTypes(ClaimSchema), onRequest: options.authenticate('publishes', 'POST /publishes') }, async (request) => {
    const { key, app_url: appUrl, ...session } = request.body
    const streams = (await fleet.streams()).filter((s) => isPushSource(s.source) && s.stream_key !== undefined)
    // every key is compared, in constant time, so the answer's timing says nothing of the keys
    const matching = streams.filter((s) => bearerMatches(`Bearer ${key}`, s.stream_key as string))
    const stream = matching[0]
    if (stream === undefined) {
      log.warn({ ingest: session.ingest, role: session.role }, 'publish refused: no push stream has this key')
      throw new ReporterErrors.BAD_KEY()
    }
    const id = publishId(stream.name, session.role)
    if (!await registry.acquireLease(`publish/${id}`, session.session, options.ttlMs)) {
      log.warn({ stream: stream.name, role: session.role, ingest: session.ingest }, 'publish refused: the stream is already being published (a second publisher on a live key)')
      throw new ReporterErrors.PUBLISH_TAKEN(`stream '${stream.name}' is already being published as ${session.role}; a second publisher is refused until the first one stops`)
    }
    const record: PublishRecord = { stream: stream.name, ...session, pull_url: `${appUrl.replace(/\/+$/, '')}/${stream.name}`, started_at: new Date(options.now()).toISOString() }
    await registry.put('publish', [{ id, value: record as unknown as JsonValue }], options.ttlMs)
    log.info({ stream: stream.name, role: session.role, ingest: session.ingest, session: session.session }, 'publish started')
    return { stream: stream.name, pull_url: record.pull_url, ttl_ms: options.ttlMs }
  })

  app.post<{ Body: Renew }>('/publishes/renew', { schema: { body: RenewSchema }, preValidation: options.strictTypes(RenewSchema), onRequest: options.authenticate('publishes', 'POST /publishes/renew') }, async (request) => {
    const body = request.body
    const id = publishId(body.stream, body.role)
    if (!await registry.acquireLease(`publish/${id}`, body.session, options.ttlMs)) {
      throw new ReporterErrors.NO_PUBLISH(`stream '${body.stream}' (${body.role}) is held by another publish session now`)
    }
    const before = (await registry.get('publish', id))?.value as PublishRecord | undefined
    const startedAt = before?.session === body.session ? before.started_at : new Date(options.now()).toISOString()
    const record: PublishRecord = { ...body, started_at: startedAt }
    await registry.put('publish', [{ id, value: record as unknown as JsonValue }], options.ttlMs)
    return { stream: body.stream, ttl_ms: options.ttlMs }
  })

  app.post<{ Body: Release }>('/publishes/release', { schema: { body: ReleaseSchema }, preValidation: options.strictTypes(ReleaseSchema), onRequest: options.authenticate('publishes', 'POST /publishes/release') }, async (request) => {
    const { stream, role, session } = request.body
    const id = publishId(stream, role)
    const current = (await registry.get('publish', id))?.value as PublishRecord | undefined
    const removed = current?.session === session
    if (removed) await registry.remove('publish', id)
    await registry.releaseLease(`publish/${id}`, session)
    if (removed) log.info({ stream, role, session }, 'publish ended')
    return { stream, removed }
  })

  // an SRT listener's passphrase is its stream's key, so the ingest reads the keys of the streams it
  // listens for (and only those); a POST, so no cache or log of a GET URL ever holds the answer
  app.post<{ Body: Keys }>('/publishes/keys', { schema: { body: KeysSchema }, preValidation: options.strictTypes(KeysSchema), onRequest: options.authenticate('publishes', 'POST /publishes/keys'), onSend: options.noStore }, async (request) => {
    const wanted = new Set(request.body.streams)
    const streams = (await fleet.streams()).filter((s) => wanted.has(s.name) && isPushSource(s.source) && s.stream_key !== undefined)
    return { keys: Object.fromEntries(streams.map((s) => [s.name, s.stream_key])) }
  })

  app.get('/publishes', { onSend: options.noStore }, async () => (await fleet.publishes()).map(publicPublish))
}
