import type { FastifyInstance } from 'fastify'
import { Counter, Gauge, type Registry } from 'prom-client'
import type { Logger } from '../log/logger.js'
import { bearerMatches } from '../reporter/bearer-auth.js'
import type { PublishSessions } from './publish-sessions.js'

/** The fields nginx-rtmp posts with every notify (notify_method post), as a form. */
type NotifyBody = Record<string, string | undefined>

const APPS = new Set(['live', 'backup'])
const NAME = /^[\x21-\x7e]{1,256}$/

export interface IngestMetrics {
  readonly publishes: Counter<'result'>
  readonly live: Gauge
}

export function createIngestMetrics (registry: Registry, sessions: PublishSessions): IngestMetrics {
  const registers = [registry]
  return {
    publishes: new Counter({ name: 'ingest_publish_attempts_total', help: 'publishers connecting, by outcome', labelNames: ['result'] as const, registers }),
    live: new Gauge({ name: 'ingest_live_publishes', help: 'publishes this node holds now', registers, collect () { this.set(sessions.size) } })
  }
}

/**
 * nginx-rtmp's callbacks, answered on loopback only: a 2xx lets the connection through, anything
 * else drops it at connect. on_publish checks the key through the reporter and renames the publish
 * to its stream (a 302 whose Location is the new name), so the key never appears in a pull URL or
 * a log; on_play lets a puller in only with the live session's token.
 */
export function registerRtmpCallbacks (app: FastifyInstance, sessions: PublishSessions, metrics: IngestMetrics, log: Logger): void {
  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string', bodyLimit: 16 * 1024 }, (_request, body, done) => {
    done(null, Object.fromEntries(new URLSearchParams(String(body))))
  })

  app.post<{ Body: NotifyBody }>('/rtmp/publish', async (request, reply) => {
    const { app: application, name, clientid: clientId, addr } = request.body ?? {}
    if (application === undefined || !APPS.has(application) || name === undefined || !NAME.test(name) || clientId === undefined) {
      metrics.publishes.inc({ result: 'malformed' })
      log.warn({ app: application, addr }, 'publish refused: not rtmp://<ingest>/live/<stream key> or /backup/<stream key>')
      return await reply.code(403).send()
    }
    const outcome = await sessions.claim(clientId, application, name)
    if (!outcome.ok) {
      metrics.publishes.inc({ result: outcome.status === 503 ? 'unavailable' : outcome.reason.includes('already') ? 'refused_live' : 'refused_key' })
      log.warn({ app: application, addr, reason: outcome.reason }, 'publish refused')
      return await reply.code(outcome.status).send()
    }
    metrics.publishes.inc({ result: 'accepted' })
    log.info({ stream: outcome.session.stream, role: outcome.session.role, addr }, 'publish accepted')
    return await reply.code(302).header('location', outcome.session.stream).send()
  })

  app.post<{ Body: NotifyBody }>('/rtmp/publish_done', async (request, reply) => {
    const clientId = request.body?.clientid
    const ended = clientId === undefined ? undefined : await sessions.release(clientId)
    if (ended !== undefined) log.info({ stream: ended.stream, role: ended.role }, 'publisher disconnected')
    return await reply.code(200).send()
  })

  app.post<{ Body: NotifyBody }>('/rtmp/play', async (request, reply) => {
    const { app: application, name, token, addr } = request.body ?? {}
    const session = application === undefined || name === undefined ? undefined : sessions.find(application, name)
    if (session === undefined || token === undefined || !bearerMatches(`Bearer ${token}`, session.playToken)) {
      log.warn({ app: application, stream: session?.stream, addr }, 'pull refused: no live publish of that name, or a wrong token')
      return await reply.code(403).send()
    }
    return await reply.code(200).send()
  })
}
