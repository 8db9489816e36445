import { existsSync } from 'node:fs'
import { join } from 'node:path'
import t from 'tap'
import { request } from 'undici'
import { loadEdgesConfig } from '../../../internal/edges/edges-config.js'
import { EdgesService } from '../../../internal/edges/edges-service.js'
import { isProcessRunning } from '../../../internal/edges/process-tools.js'
import { waitFor } from '../../support/wait-for.js'
import { fetchVia, reporterEdges, SILENT, startEdgesService, startFakeOrigin, startReporter } from '../../support/edges-test-helpers.js'

/** edges_segments_served_total of one edge from the manager's /metrics, by cache label. */
async function segmentsServed (port: number, edge: string): Promise<Record<string, number>> {
  const response = await request(`http://127.0.0.1:${port}/metrics`)
  const text = await response.body.text()
  const counts: Record<string, number> = {}
  for (const match of text.matchAll(/^edges_segments_served_total\{([^}]*)\} (\S+)$/gm)) {
    const labels = Object.fromEntries([...(match[1] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]))
    if (labels.edge === edge && labels.cache !== undefined) counts[labels.cache] = Number(match[2])
  }
  return counts
}

t.test('real nginx edges: cache, cache lock, heartbeats, replacement', async (t) => {
  const origin = await startFakeOrigin(t)
  const reporter = await startReporter(t)
  const { service, dir, basePort } = await startEdgesService(t, origin, reporter, { EDGES_MIN: '2', EDGES_MAX: '3', EDGE_TTL: '3s', EDGE_HEARTBEAT: '1s' })
  const edges = service.edges()
  t.equal(edges.length, 2, 'EDGES_MIN edges at start')
  const edge = edges[0]?.url ?? ''

  await t.test('a segment is fetched from the origin once, then served from the cache', async (t) => {
    const first = await fetchVia(edge, '/live01/360p/seg-100.ts')
    const second = await fetchVia(edge, '/live01/360p/seg-100.ts')
    t.equal(first.status, 200)
    t.equal(first.cache, 'MISS')
    t.equal(second.cache, 'HIT')
    t.equal(second.cors, '*', 'CORS for players')
    t.equal(origin.hits.get('/live01/360p/seg-100.ts'), 1)
  })

  await t.test('the manager counts each edge\'s segment answers by cache status from its cache.log', async (t) => {
    // seg-100 was a MISS then a HIT on this edge above; five more HITs, and a POST refused before the cache
    for (let i = 0; i < 5; i++) t.equal((await fetchVia(edge, '/live01/360p/seg-100.ts')).cache, 'HIT')
    const refused = await request(`${edge}/live01/360p/seg-100.ts`, { method: 'POST' })
    await refused.body.dump()
    t.equal(refused.statusCode, 403)
    const id = edges[0]?.id ?? ''
    // nginx flushes its log buffer once a second, the manager reads it every heartbeat (1s)
    const served = await waitFor('the edge\'s answers in /metrics', async () => {
      const counts = await segmentsServed(service.port, id)
      return (counts.hit ?? 0) >= 6 && (counts.none ?? 0) >= 1 ? counts : undefined
    }, { timeoutMs: 15_000 })
    t.comment(`edges_segments_served_total for ${id}: ${JSON.stringify(served)}`)
    t.equal(served.miss, 1, 'one MISS')
    t.equal(served.hit, 6, 'one HIT per cached answer')
    t.equal(served.none, 1, 'the refused POST: no cache lookup')
    for (const status of ['expired', 'stale', 'updating', 'revalidated', 'bypass']) t.equal(served[status], 0, `${status}: a series at 0`)
    const other = await segmentsServed(service.port, edges[1]?.id ?? '')
    t.same([other.hit, other.miss], [0, 0], 'the other edge served nothing and says so')
    t.equal(origin.hits.get('/live01/360p/seg-100.ts'), 1)
  })

  await t.test('a live playlist is kept a second: concurrent players make one origin request', async (t) => {
    const path = '/live01/360p/playlist.m3u8'
    const answers = await Promise.all(Array.from({ length: 10 }, async () => await fetch(`${edge}${path}`)))
    t.same(new Set(answers.map((r) => r.status)), new Set([200]))
    t.equal(origin.hits.get(path), 1, 'one origin request for 10 players (proxy_cache_lock)')
    t.equal(answers[0]?.headers.get('x-accel-expires'), null, 'the origin\'s cache instruction stays inside nginx')
    await new Promise((resolve) => setTimeout(resolve, 2100))
    t.equal((await fetchVia(edge, path)).status, 200)
    await waitFor('the refreshed playlist', async () => (origin.hits.get(path) ?? 0) >= 2, { timeoutMs: 3000, intervalMs: 50 })
    t.pass('a second later it is fetched again')
  })

  await t.test('a blocking reload\'s answer is kept by its query', async (t) => {
    const path = '/live01/360p/playlist.m3u8'
    const before = origin.hits.get(path) ?? 0
    for (let i = 0; i < 3; i++) t.equal((await fetchVia(edge, `${path}?_HLS_msn=7`)).status, 200)
    t.equal(origin.hits.get(path), before + 1, '_HLS_msn=7 asked of the origin once')
    t.equal((await fetchVia(edge, `${path}?_HLS_msn=8`)).status, 200)
    t.equal(origin.hits.get(path), before + 2, 'another MSN is another answer')
  })

  await t.test('20 concurrent first requests for one segment reach the origin once', async (t) => {
    const results = await Promise.all(Array.from({ length: 20 }, async () => await fetchVia(edge, '/live01/360p/seg-101.ts')))
    t.same(new Set(results.map((r) => r.status)), new Set([200]))
    t.equal(origin.hits.get('/live01/360p/seg-101.ts'), 1, 'proxy_cache_lock')
  })

  await t.test('non-HLS paths are not proxied', async (t) => {
    t.equal((await fetchVia(edge, '/metrics')).status, 404)
    t.equal(origin.hits.size, 3)
  })

  await t.test('heartbeats reach the reporter; GET /edges lists every live edge', async (t) => {
    const listed = await waitFor('both edges at the reporter', async () => {
      const list = await reporterEdges(reporter)
      return list.length === 2 ? list : undefined
    }, { timeoutMs: 10_000 })
    t.same(listed.map((e) => e.url).sort(), edges.map((e) => e.url).sort())
    t.same(listed.map((e) => e.id).sort(), edges.map((e) => `edge-${e.port}`).sort())
  })

  await t.test('a SIGKILLed nginx is replaced on its port; the reporter lists a live set again within the TTL', async (t) => {
    const victim = service.edges()[1]
    if (victim === undefined) throw new Error('no second edge')
    const killedAt = Date.now()
    process.kill(victim.nginxPid, 'SIGKILL')
    const replaced = await waitFor('a new nginx on the same port', () => {
      const now = service.edges().find((e) => e.port === victim.port)
      return now !== undefined && now.nginxPid !== victim.nginxPid && now.state === 'live' ? now : undefined
    }, { timeoutMs: 15_000, intervalMs: 20 })
    const replacedInMs = Date.now() - killedAt
    t.comment(`replaced in ${replacedInMs} ms`)
    t.not(replaced.nginxPid, victim.nginxPid)
    t.notOk(isProcessRunning(victim.nginxPid, dir), 'the killed master is gone')
    t.equal((await fetchVia(replaced.url, '/_edge/healthz')).status, 200)
    // the replacement keeps the cache folder of its port
    t.equal((await fetchVia(replaced.url, '/live01/360p/seg-100.ts')).status, 200)
    const listed = await waitFor('a live set at the reporter', async () => {
      const list = await reporterEdges(reporter)
      const fresh = list.every((e) => service.edges().some((s) => s.url === e.url && s.state === 'live'))
      return fresh && list.length === 2 ? list : undefined
    }, { timeoutMs: 10_000 })
    t.comment(`reporter lists a live set ${Date.now() - killedAt} ms after the kill (TTL 3000 ms)`)
    t.equal(listed.length, 2)
  })

  await t.test('a second manager on the same EDGES_DIR refuses to start and leaves the first alone', async (t) => {
    const other = new EdgesService(loadEdgesConfig({
      EDGES_PORT: '0', EDGES_BASE_PORT: String(basePort), EDGES_DIR: dir, ORIGIN_URL: origin.url
    }), SILENT)
    await t.rejects(other.start(), { code: 'EDGES_ERR_ALREADY_RUNNING' })
    await other.close()
    t.equal(service.edges().filter((e) => e.state === 'live').length, 2)
    t.ok(existsSync(join(dir, 'manager.pid')), 'the first manager keeps its claim')
  })

  await t.test('close stops every nginx', async (t) => {
    const pids = service.edges().map((e) => e.nginxPid)
    await service.close()
    t.same(pids.filter((pid) => isProcessRunning(pid, dir)), [])
  })
})
