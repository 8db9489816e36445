import t from 'tap'
import { pino } from 'pino'
import { buildReporterApp } from '../../../internal/reporter/reporter-app.js'

const AUTH = { authorization: 'Bearer edge-token-123' }

t.test('edge heartbeats: batch upsert by id, validation, TTL', async (t) => {
  let now = Date.parse('2024-04-05T14:23:45Z')
  const { app } = buildReporterApp({
    config: { tokens: { discovery: 'discovery-token-456', edges: 'edge-token-123' }, ttlMs: 5000, maxTtlMs: 60_000, bodyLimitBytes: 64 * 1024 },
    log: pino({ level: 'silent' }),
    now: () => now,
    utcOffsetMinutes: 0
  })
  t.teardown(async () => { await app.close() })
  t.same((await app.inject('/edges')).json(), [])

  const post = await app.inject({
    method: 'POST', url: '/edges', headers: AUTH,
    payload: { edges: [{ id: 'edge-8102', url: 'http://127.0.0.1:8102/', load_rps: 0, draining: true }, { id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 12.5 }], ttl_ms: 2000 }
  })
  t.equal(post.statusCode, 200)
  t.same(post.json(), { accepted: 2, ttl_ms: 2000 })
  t.same((await app.inject('/edges')).json(), [
    { id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 12.5, draining: false, last_reported: 'Fri, 05 Apr 2024 14:23:45 +00' },
    { id: 'edge-8102', url: 'http://127.0.0.1:8102', load_rps: 0, draining: true, last_reported: 'Fri, 05 Apr 2024 14:23:45 +00' }
  ], 'draining is false unless the heartbeat says so')

  const bad = async (payload: unknown): Promise<{ statusCode: number, message: string }> => {
    const res = await app.inject({ method: 'POST', url: '/edges', headers: AUTH, payload: payload as object })
    return { statusCode: res.statusCode, message: res.json().message }
  }
  t.same(await bad({ edges: [{ id: '../x', url: 'http://a', load_rps: 1 }] }), { statusCode: 400, message: 'body/edges/0/id must match pattern "^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"' })
  t.same(await bad({ edges: [{ id: 'e', url: 'gopher://a', load_rps: 1 }] }), { statusCode: 400, message: 'body/edges/0/url must match pattern "^https?://"' })
  t.same(await bad({ edges: [{ id: 'e', url: 'http://a', load_rps: -1 }] }), { statusCode: 400, message: 'body/edges/0/load_rps must be >= 0' })
  t.same(await bad({ edges: [{ id: 'e', url: 'http://a', load_rps: 1, draining: 'soon' }] }), { statusCode: 400, message: 'body/edges/0/draining must be boolean' })
  const dup = await bad({ edges: [{ id: 'e', url: 'http://a', load_rps: 1 }, { id: 'e', url: 'http://b', load_rps: 1 }] })
  t.equal(dup.statusCode, 400)
  t.match(dup.message, /body\/edges\/1: e is listed twice/)
  t.equal((await app.inject('/edges')).json().length, 2, 'bad heartbeats changed nothing')

  now += 1500
  await app.inject({ method: 'POST', url: '/edges', headers: AUTH, payload: { edges: [{ id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 3 }], ttl_ms: 2000 } })
  now += 500
  t.same((await app.inject('/edges')).json().map((e: { id: string, load_rps: number }) => [e.id, e.load_rps]), [['edge-8101', 3]], 'edge-8102 expired, edge-8101 refreshed')
  t.match((await app.inject('/metrics')).body, /reporter_live_edges\{service="reporter"\} 1/)
})
