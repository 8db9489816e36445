// Issue 11, case 7: the reporter must not coerce types. A number as a signal name, a string
// load_rps or "true" for a boolean is a 400 naming the field (as the README promises), and the
// refused write changes nothing.
import t from 'tap'
import { pino } from 'pino'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../../internal/reporter/reporter-service.js'

const DISCOVERY = 'discovery-token-0123456789'
const EDGES = 'edges-token-9876543210'
const PACKAGER = { url: 'http://127.0.0.1:8080', healthy: true, reason: 'ok' }
const EDGE = { id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 1 }

t.test('wrong JSON types are a 400 naming the field, never converted', async (t) => {
  const service = new ReporterService(loadReporterConfig({ REPORTER_PORT: '0', REPORTER_DISCOVERY_TOKEN: DISCOVERY, REPORTER_EDGES_TOKEN: EDGES }), pino({ level: 'silent' }))
  t.teardown(async () => { await service.close() })
  await service.start()
  const base = `http://127.0.0.1:${service.port}`
  const post = async (route: string, body: unknown): Promise<{ status: number, message: string }> => {
    const token = route === '/ingests' ? DISCOVERY : EDGES
    const res = await fetch(`${base}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
    return { status: res.status, message: ((await res.json()) as { message?: string }).message ?? '' }
  }
  const state = async (): Promise<string> => JSON.stringify([await (await fetch(`${base}/ingests`)).json(), await (await fetch(`${base}/edges`)).json()])
  t.equal((await post('/ingests', { signal: 'live01', packagers: [PACKAGER] })).status, 200)
  t.equal((await post('/edges', { edges: [EDGE] })).status, 200)
  const before = await state()

  const cases: Array<[string, unknown, string]> = [
    ['/ingests', { signal: 12345, packagers: [PACKAGER] }, 'body/signal must be string'],
    ['/ingests', { signal: 'live02', packagers: [{ ...PACKAGER, healthy: 'true' }] }, 'body/packagers/0/healthy must be boolean'],
    ['/ingests', { signal: 'live02', packagers: [{ ...PACKAGER, healthy: 1 }] }, 'body/packagers/0/healthy must be boolean'],
    ['/ingests', { signal: 'live02', packagers: [{ ...PACKAGER, media_sequence: '123' }] }, 'body/packagers/0/media_sequence must be integer'],
    ['/ingests', { signal: 'live02', packagers: [PACKAGER], ttl_ms: '5000' }, 'body/ttl_ms must be integer'],
    ['/ingests', { signal: 'live02', packagers: PACKAGER }, 'body/packagers must be array'],
    ['/ingests', { signal: 'live02', packagers: [{ ...PACKAGER, reason: null }] }, 'body/packagers/0/reason must be string'],
    ['/edges', { edges: [{ ...EDGE, load_rps: '12.5' }] }, 'body/edges/0/load_rps must be number'],
    ['/edges', { edges: [{ ...EDGE, id: 8101 }] }, 'body/edges/0/id must be string'],
    ['/edges', { edges: [{ ...EDGE, draining: 'false' }] }, 'body/edges/0/draining must be boolean'],
    ['/edges', { edges: [EDGE], ttl_ms: true }, 'body/ttl_ms must be integer']
  ]
  for (const [route, body, message] of cases) {
    const r = await post(route, body)
    t.equal(r.status, 400, `${route} ${JSON.stringify(body).slice(0, 80)} -> 400`)
    t.equal(r.message, message)
  }
  t.equal(await state(), before, 'no refused write changed anything')
})
