import t from 'tap'
import { pino } from 'pino'
import { createHttpApp } from '../../../internal/http/http-app.js'
import { createMetricsRegistry } from '../../../internal/metrics/metrics-registry.js'
import { HttpErrors } from '../../../internal/http/http-errors.js'

function build (): ReturnType<typeof createHttpApp> {
  return createHttpApp({ log: pino({ level: 'silent' }), metrics: createMetricsRegistry('test') })
}

t.test('healthz answers ok, then 503 once draining', async (t) => {
  const { app, markDraining } = build()
  t.teardown(async () => { await app.close() })
  t.equal((await app.inject('/healthz')).statusCode, 200)
  markDraining()
  const res = await app.inject('/healthz')
  t.equal(res.statusCode, 503)
  t.same(res.json(), { status: 'draining' })
})

t.test('metrics are Prometheus text and count requests by route template', async (t) => {
  const { app } = build()
  t.teardown(async () => { await app.close() })
  await app.inject('/healthz')
  const res = await app.inject('/metrics')
  t.equal(res.statusCode, 200)
  t.match(res.headers['content-type'], /text\/plain/)
  t.match(res.body, /http_requests_total\{route="\/healthz",status="200",service="test"\} 1/)
})

t.test('coded errors keep their status and message; unknown routes are JSON 404', async (t) => {
  const { app } = build()
  t.teardown(async () => { await app.close() })
  app.get('/bad', async () => { throw new HttpErrors.BAD_NAME('signal', '..') })
  app.get('/boom', async () => { throw new Error('secret detail') })
  const bad = await app.inject('/bad')
  t.equal(bad.statusCode, 400)
  t.same(bad.json(), { error: 'HTTP_ERR_BAD_NAME', message: "invalid signal '..': allowed are letters, digits, '-', '_' and '.', no path separators" })
  const boom = await app.inject('/boom')
  t.equal(boom.statusCode, 500)
  t.equal(boom.json().message, 'internal error', 'internal details are not leaked')
  const missing = await app.inject('/nope?x=1')
  t.equal(missing.statusCode, 404)
  t.equal(missing.json().message, 'no route for GET /nope')
  for (const res of [bad, boom, missing]) t.equal(res.headers['access-control-allow-origin'], '*', `a browser can read the ${res.statusCode}`)
})
