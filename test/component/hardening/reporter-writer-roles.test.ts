// Issue 11, case 1 (b): each writer role has its own reporter token, scoped to what it writes. With
// only discovery's token nothing a viewer fetches can be pointed at another host; with only the
// edges manager's token no ingest can be written. A real reporter on a real port, read by a real
// origin whose edge allow-list admits every loopback port: only the token scopes stand in the way.
import t from 'tap'
import type { Test } from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import { pino } from 'pino'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../../internal/reporter/reporter-service.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const DISCOVERY = 'discovery-token-0123456789'
const EDGES = 'edges-token-9876543210'
const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

async function startReporter (t: Test): Promise<{ base: string, post: (route: string, token: string, body: unknown) => Promise<{ status: number, error: string, message: string }> }> {
  const config = loadReporterConfig({ REPORTER_PORT: '0', REPORTER_DISCOVERY_TOKEN: DISCOVERY, REPORTER_EDGES_TOKEN: EDGES })
  const service = new ReporterService(config, pino({ level: 'silent' }))
  t.teardown(async () => { await service.close() })
  await service.start()
  const base = `http://127.0.0.1:${service.port}`
  return {
    base,
    post: async (route, token, body) => {
      const res = await fetch(`${base}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      const json = await res.json() as { error?: string, message?: string }
      return { status: res.status, error: json.error ?? '', message: json.message ?? '' }
    }
  }
}

/** A host that would take the viewers; counts every request it gets. */
async function startRogue (t: Test): Promise<{ url: string, hits: () => number }> {
  let hits = 0
  const app = Fastify()
  app.addHook('onRequest', async () => { hits += 1 })
  app.get('/*', async () => '#EXTM3U')
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, hits: () => hits }
}

t.test("with only discovery's token, nothing a viewer fetches points at another host", async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const reporter = await startReporter(t)
  const rogue = await startRogue(t)
  const origin = await startOrigin(t, { packagers: [a.url, b.url], reporterUrl: reporter.base, env: { REPORTER_POLL_INTERVAL: '100ms' } })
  const ingest = { signal: 'live01', packagers: [{ url: a.url, healthy: true, reason: 'ok' }, { url: b.url, healthy: true, reason: 'ok' }], ttl_ms: 60_000 }
  t.equal((await reporter.post('/ingests', DISCOVERY, ingest)).status, 200, 'discovery writes its ingests')

  // every way discovery's token could try to steer viewers
  const rogueEdge = { edges: [{ id: 'edge-8101', url: rogue.url, load_rps: 0 }], ttl_ms: 60_000 }
  const refused = await reporter.post('/edges', DISCOVERY, rogueEdge)
  t.equal(refused.status, 403, 'POST /edges with the discovery token -> 403')
  t.equal(refused.error, 'REPORTER_ERR_FORBIDDEN')
  t.equal(refused.message, "this token belongs to the discovery role, which may not write POST /edges (only edges's token may)")
  const rogueIngest = { signal: 'live01', packagers: [{ url: rogue.url, healthy: true, reason: 'ok' }], ttl_ms: 60_000 }
  t.equal((await reporter.post('/ingests', DISCOVERY, rogueIngest)).status, 200, 'a packager outside the origin allow-list may be reported...')
  t.same(await (await fetch(`${reporter.base}/edges`)).json(), [], 'no edge was registered')

  const url = `${origin.url}/live01/hi/playlist.m3u8`
  await waitFor('the origin serving live01', async () => (await get(url)).status === 200 ? true : undefined, { timeoutMs: 15_000, intervalMs: 100 })
  for (let i = 0; i < 10; i++) {
    for (const line of uriLines((await get(url)).text)) {
      const target = new URL(line, url)
      t.equal(target.origin, origin.url, `${line}: served by the origin itself`)
    }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.equal(rogue.hits(), 0, '...but is never fetched from, and no viewer is sent there')
})

t.test("with only the edges manager's token, no ingest can be written", async (t) => {
  const reporter = await startReporter(t)
  const ingest = { signal: 'live01', packagers: [{ url: 'http://127.0.0.1:8080', healthy: true, reason: 'ok' }] }
  const r = await reporter.post('/ingests', EDGES, ingest)
  t.equal(r.status, 403, 'POST /ingests with the edges token -> 403')
  t.equal(r.error, 'REPORTER_ERR_FORBIDDEN')
  t.same(await (await fetch(`${reporter.base}/ingests`)).json(), [], 'GET /ingests is still empty')
  t.equal((await reporter.post('/edges', EDGES, { edges: [{ id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 0 }] })).status, 200, 'the edges manager writes its edges')
  t.equal((await reporter.post('/ingests', 'not-a-token-at-all', ingest)).status, 401, 'an unknown token is still a 401')
})
