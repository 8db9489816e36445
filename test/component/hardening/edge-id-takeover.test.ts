// Issue 11, case 1 (c): an edge id keeps its first URL (and a URL its first id) while the record
// lives, so re-posting a real edge's id with another URL cannot move it or make the set flap.
import t from 'tap'
import { pino } from 'pino'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../../internal/reporter/reporter-service.js'

const EDGES = 'edges-token-9876543210'

t.test('a conflicting heartbeat gets a 409 with one line and changes nothing, until the record expires', async (t) => {
  let now = Date.parse('2026-01-01T00:00:00Z')
  const config = loadReporterConfig({ REPORTER_PORT: '0', REPORTER_DISCOVERY_TOKEN: 'discovery-token-0123', REPORTER_EDGES_TOKEN: EDGES })
  const service = new ReporterService(config, pino({ level: 'silent' }), { now: () => now })
  t.teardown(async () => { await service.close() })
  await service.start()
  const base = `http://127.0.0.1:${service.port}`
  const beat = async (edges: unknown[], ttlMs = 5000): Promise<{ status: number, error: string, message: string }> => {
    const res = await fetch(`${base}/edges`, { method: 'POST', headers: { authorization: `Bearer ${EDGES}`, 'content-type': 'application/json' }, body: JSON.stringify({ edges, ttl_ms: ttlMs }) })
    const json = await res.json() as { error?: string, message?: string }
    return { status: res.status, error: json.error ?? '', message: json.message ?? '' }
  }
  const list = async (): Promise<unknown> => await (await fetch(`${base}/edges`)).json()
  const real = { id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 3 }
  t.equal((await beat([real])).status, 200)
  const before = JSON.stringify(await list())

  const moved = await beat([{ ...real, url: 'http://127.0.0.1:9999' }])
  t.equal(moved.status, 409, 'the same id at another URL -> 409')
  t.equal(moved.error, 'REPORTER_ERR_EDGE_TAKEN')
  t.equal(moved.message, "edge 'edge-8101' is registered at http://127.0.0.1:8101 for another 5s; the first registration holds until it expires")
  const twin = await beat([{ id: 'zz-other', url: real.url, load_rps: 0, draining: true }])
  t.equal(twin.status, 409, 'another id at the same URL (to mark it draining, say) -> 409')
  t.equal(twin.message, "http://127.0.0.1:8101 is registered as edge 'edge-8101' for another 5s; the first registration holds until it expires")
  const mixed = await beat([{ id: 'edge-8102', url: 'http://127.0.0.1:8102', load_rps: 0 }, { ...real, url: 'http://127.0.0.1:9999' }])
  t.equal(mixed.status, 409, 'one conflict refuses the whole heartbeat')
  t.equal(JSON.stringify(await list()), before, 'nothing changed')

  now += 2000
  t.equal((await beat([{ ...real, load_rps: 7 }])).status, 200, 'the owner keeps beating (and extends its record)')
  now += 4000
  t.equal((await beat([{ ...real, url: 'http://127.0.0.1:9999' }])).status, 409, 'still held: the heartbeat renewed it')
  now += 1001
  t.equal((await beat([{ ...real, url: 'http://127.0.0.1:9999' }])).status, 200, 'once the record expired, a new URL may take the id')
  t.same((await list() as Array<{ url: string }>).map((e) => e.url), ['http://127.0.0.1:9999'])
})
