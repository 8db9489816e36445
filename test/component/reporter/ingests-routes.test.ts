import t from 'tap'
import { pino } from 'pino'
import { buildReporterApp, type ReporterApp } from '../../../internal/reporter/reporter-app.js'

const TOKEN = 'test-token-123456'
const AUTH = { authorization: `Bearer ${TOKEN}` }

function build (t: { teardown: (fn: () => Promise<void>) => void }, options: { token?: string | undefined } = { token: TOKEN }): ReporterApp & { advance: (ms: number) => void } {
  let now = Date.parse('2024-04-05T14:23:45Z')
  const reporter = buildReporterApp({
    config: { tokens: options.token === undefined ? undefined : { discovery: options.token, edges: 'edges-token-not-this-one' }, ttlMs: 5000, maxTtlMs: 60_000, bodyLimitBytes: 64 * 1024 },
    log: pino({ level: 'silent' }),
    now: () => now,
    utcOffsetMinutes: -180
  })
  t.teardown(async () => { await reporter.app.close() })
  return { ...reporter, advance: (ms) => { now += ms } }
}

const report = {
  signal: 'live01',
  packagers: [
    { url: 'http://localhost:9090/', healthy: true, reason: 'ok', media_sequence: 123, last_change: '2024-04-05T14:23:44.000Z', playlist_age_ms: 800 },
    { url: 'http://localhost:8080', healthy: true, reason: 'ok', media_sequence: 123 },
    { url: 'http://localhost:7070', healthy: false, reason: 'refused' }
  ]
}

t.test('an authorized report shows up in GET /ingests in the Go shape plus details', async (t) => {
  const { app } = build(t)
  const post = await app.inject({ method: 'POST', url: '/ingests', headers: AUTH, payload: report })
  t.equal(post.statusCode, 200)
  t.same(post.json(), { signal: 'live01', accepted: 3, ttl_ms: 5000 })
  const list = await app.inject('/ingests')
  t.equal(list.statusCode, 200)
  t.equal(list.headers['cache-control'], 'no-store')
  const body = list.json()
  t.equal(body.length, 1)
  t.equal(body[0].signal, 'live01')
  t.same(body[0].packagers, ['http://localhost:8080', 'http://localhost:9090'], 'healthy only, sorted, trailing slash gone')
  t.equal(body[0].last_reported, 'Fri, 05 Apr 2024 11:23:45 -03')
  t.same(body[0].details.map((d: { url: string, reason: string }) => `${d.url} ${d.reason}`), ['http://localhost:7070 refused', 'http://localhost:8080 ok', 'http://localhost:9090 ok'])
  const one = await app.inject('/ingests/live01')
  t.equal(one.statusCode, 200)
  t.same(one.json(), body[0])
})

t.test('nothing live answers [] with 200; unknown or bad signal names answer 404 / 400', async (t) => {
  const { app } = build(t)
  const list = await app.inject('/ingests')
  t.equal(list.statusCode, 200)
  t.same(list.json(), [])
  const missing = await app.inject('/ingests/live01')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().error, 'REPORTER_ERR_NOT_LIVE')
  const badName = await app.inject('/ingests/..%2Fetc')
  t.equal(badName.statusCode, 400)
  t.equal(badName.json().error, 'REPORTER_ERR_BAD_SIGNAL')
  const tooLong = await app.inject(`/ingests/${'a'.repeat(65)}`)
  t.equal(tooLong.statusCode, 400)
})

t.test('without or with a wrong token: 401 and nothing changes', async (t) => {
  const { app } = build(t)
  const cases: Array<Record<string, string>> = [
    {},
    { authorization: 'Bearer wrong-token-123456' },
    { authorization: `Basic ${TOKEN}` },
    { authorization: `Bearer ${TOKEN}x` },
    { authorization: 'Bearer ' }
  ]
  for (const headers of cases) {
    const res = await app.inject({ method: 'POST', url: '/ingests', headers, payload: report })
    t.equal(res.statusCode, 401, JSON.stringify(headers))
    t.equal(res.json().error, 'REPORTER_ERR_UNAUTHORIZED')
  }
  const bodyless = await app.inject({ method: 'POST', url: '/ingests', headers: { 'content-type': 'application/json' }, payload: '{not json' })
  t.equal(bodyless.statusCode, 401, 'auth is checked before the body is parsed')
  t.same((await app.inject('/ingests')).json(), [])
  const edges = await app.inject({ method: 'POST', url: '/edges', payload: { edges: [{ id: 'e1', url: 'http://127.0.0.1:8101', load_rps: 0 }] } })
  t.equal(edges.statusCode, 401)
  t.same((await app.inject('/edges')).json(), [])
})

t.test('bad bodies get a 400 naming the problem and change nothing', async (t) => {
  const { app } = build(t)
  const post = async (payload: string, contentType = 'application/json'): Promise<{ status: number, error: string, message: string }> => {
    const res = await app.inject({ method: 'POST', url: '/ingests', headers: { ...AUTH, 'content-type': contentType }, payload })
    return { status: res.statusCode, ...res.json() }
  }
  const withPackager = (p: object): string => JSON.stringify({ signal: 'live01', packagers: [{ url: 'http://localhost:8080', healthy: true, reason: 'ok', ...p }] })

  let r = await post('{"signal": "live01", ')
  t.equal(r.status, 400)
  t.equal(r.error, 'FST_ERR_CTP_INVALID_JSON_BODY')
  r = await post('')
  t.equal(r.status, 400)
  r = await post(JSON.stringify({ signal: '../etc', packagers: report.packagers }))
  t.equal(r.status, 400)
  t.match(r.message, /^body\/signal must match pattern/)
  r = await post(withPackager({ url: 'ftp://localhost:8080' }))
  t.equal(r.status, 400)
  t.match(r.message, /^body\/packagers\/0\/url must match pattern "\^https\?:\/\/"/)
  r = await post(withPackager({ url: 'http://user:pw@localhost:8080' }))
  t.equal(r.status, 400)
  t.equal(r.error, 'REPORTER_ERR_BAD_URL')
  t.match(r.message, /^body\/packagers\/0\/url: .* must not carry credentials/)
  r = await post(withPackager({ healthy: 'maybe' }))
  t.equal(r.status, 400)
  t.equal(r.message, 'body/packagers/0/healthy must be boolean')
  r = await post(withPackager({ media_sequence: -1 }))
  t.equal(r.message, 'body/packagers/0/media_sequence must be >= 0')
  r = await post(withPackager({ last_change: 'yesterday' }))
  t.equal(r.message, 'body/packagers/0/last_change must match format "date-time"')
  r = await post(JSON.stringify({ signal: 'live01', packagers: [] }))
  t.equal(r.message, 'body/packagers must NOT have fewer than 1 items')
  r = await post(JSON.stringify({ signal: 'live01' }))
  t.equal(r.message, "body must have required property 'packagers'")
  r = await post(JSON.stringify({ ...report, ttl_ms: 5 }))
  t.equal(r.message, 'body/ttl_ms must be >= 100')
  r = await post(JSON.stringify({ signal: 'live01', packagers: [report.packagers[1], { ...report.packagers[1], url: 'http://localhost:8080/' }] }))
  t.equal(r.status, 400)
  t.equal(r.error, 'REPORTER_ERR_DUPLICATE')
  t.match(r.message, /body\/packagers\/1: http:\/\/localhost:8080 is listed twice/)
  r = await post(JSON.stringify({ ...report, padding: 'x'.repeat(70 * 1024) }))
  t.equal(r.status, 413, 'fastify answers 413 for a body over the limit')
  t.equal(r.error, 'FST_ERR_CTP_BODY_TOO_LARGE')

  t.same((await app.inject('/ingests')).json(), [], 'no bad body changed anything')
  const metrics = (await app.inject('/metrics')).body
  t.match(metrics, /reporter_reports_total\{kind="ingests",result="rejected",reason="invalid_body",service="reporter"\} 8/)
  t.match(metrics, /reporter_reports_total\{kind="ingests",result="rejected",reason="invalid_json",service="reporter"\} 2/)
  t.match(metrics, /reporter_reports_total\{kind="ingests",result="rejected",reason="too_large",service="reporter"\} 1/)
  t.match(metrics, /reporter_reports_total\{kind="ingests",result="rejected",reason="bad_url",service="reporter"\} 1/)
  t.match(metrics, /reporter_reports_total\{kind="ingests",result="rejected",reason="duplicate",service="reporter"\} 1/)
})

t.test('TTL applies to the list, the single view and the metrics', async (t) => {
  const { app, advance } = build(t)
  await app.inject({ method: 'POST', url: '/ingests', headers: AUTH, payload: report })
  await app.inject({ method: 'POST', url: '/ingests', headers: AUTH, payload: { signal: 'short', packagers: [report.packagers[1]], ttl_ms: 1000 } })
  let metrics = (await app.inject('/metrics')).body
  t.match(metrics, /reporter_live_signals\{service="reporter"\} 2/)
  t.match(metrics, /reporter_healthy_packagers\{signal="live01",service="reporter"\} 2/)
  t.match(metrics, /reporter_healthy_packagers\{signal="short",service="reporter"\} 1/)
  t.match(metrics, /reporter_reports_total\{kind="ingests",result="accepted",reason="ok",service="reporter"\} 2/)
  advance(1000)
  t.same((await app.inject('/ingests')).json().map((v: { signal: string }) => v.signal), ['live01'])
  t.equal((await app.inject('/ingests/short')).statusCode, 404)
  metrics = (await app.inject('/metrics')).body
  t.match(metrics, /reporter_live_signals\{service="reporter"\} 1/)
  t.notMatch(metrics, /signal="short"/, 'an expired signal leaves the gauge')
  advance(4000)
  t.same((await app.inject('/ingests')).json(), [])
  t.equal((await app.inject('/ingests/live01')).statusCode, 404)
  t.match((await app.inject('/metrics')).body, /reporter_live_signals\{service="reporter"\} 0/)
})

t.test('token-less mode accepts writes without a header', async (t) => {
  const { app } = build(t, { token: undefined })
  const res = await app.inject({ method: 'POST', url: '/ingests', payload: report })
  t.equal(res.statusCode, 200)
  t.equal((await app.inject('/ingests')).json().length, 1)
})
