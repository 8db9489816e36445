import t from 'tap'
import { Agent, request } from 'undici'
import { loadEdgesConfig } from '../../internal/edges/edges-config.js'
import { EdgesService } from '../../internal/edges/edges-service.js'
import { isProcessRunning } from '../../internal/edges/process-tools.js'
import { waitFor } from '../support/wait-for.js'
import { edgesSandbox, killEdgesIn, reporterEdges, SILENT, startFakeOrigin, startReporter, TOKEN } from '../support/edges-test-helpers.js'

const RATE = 300
const LOAD_MS = 8000

/** Bounded load: RATE requests/s for LOAD_MS over the live edges, each request for a cached segment. */
async function loadEdges (service: EdgesService, path: string): Promise<{ sent: number, ok: number }> {
  const agent = new Agent({ connections: 16 })
  const started = Date.now()
  let sent = 0
  let ok = 0
  const inFlight = new Set<Promise<void>>()
  while (Date.now() - started < LOAD_MS) {
    const due = Math.floor(((Date.now() - started) / 1000) * RATE)
    const live = service.edges().filter((e) => e.state === 'live')
    while (sent < due && live.length > 0) {
      const edge = live[sent % live.length]
      sent++
      if (edge === undefined) continue
      const p = request(edge.url + path, { dispatcher: agent, signal: AbortSignal.timeout(5000) })
        .then(async (r) => { await r.body.dump(); if (r.statusCode === 200) ok++ }, () => {})
        .finally(() => inFlight.delete(p))
      inFlight.add(p)
    }
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  await Promise.all([...inFlight])
  await agent.close()
  return { sent, ok }
}

t.test('load scales the edge count up, quiet scales it back down, without flapping', async (t) => {
  const origin = await startFakeOrigin(t, 10)
  const reporter = await startReporter(t)
  const { dir, basePort } = await edgesSandbox(t)
  const service = new EdgesService(loadEdgesConfig({
    EDGES_PORT: '0', EDGES_BASE_PORT: String(basePort), EDGES_DIR: dir, EDGES_MIN: '2', EDGES_MAX: '4',
    ORIGIN_URL: origin.url, REPORTER_URL: `http://127.0.0.1:${reporter.port}`, REPORTER_TOKEN: TOKEN,
    EDGE_TARGET_RPS: '50', EDGE_SCALE_UP_CHECKS: '2', EDGE_SCALE_DOWN_CHECKS: '3', EDGE_SCALE_COOLDOWN: '2s', EDGE_DRAIN: '2500ms'
  }), SILENT)
  const seen = new Set<number>()
  t.teardown(async () => {
    await service.close()
    await killEdgesIn(dir, [...seen].filter((pid) => isProcessRunning(pid, dir)))
  })
  await service.start()
  const track = setInterval(() => { for (const e of service.edges()) { seen.add(e.watchdogPid); seen.add(e.nginxPid) } }, 100)
  t.teardown(() => { clearInterval(track) })
  t.equal(service.edges().length, 2)

  const load = await loadEdges(service, '/live01/360p/seg-1.ts')
  t.comment(`load: ${load.sent} requests in ${LOAD_MS} ms, ${load.ok} answered 200`)
  t.ok(load.ok >= load.sent * 0.99, 'the edges answered the load while scaling')
  const peak = Math.max(...service.history.map((c) => c.to))
  t.ok(peak > 2, `count rose under load (peak ${peak})`)
  t.comment(`origin saw the segment ${origin.hits.get('/live01/360p/seg-1.ts') ?? 0} times for ${load.sent} requests over ${peak} edges`)
  const loads = (await reporterEdges(reporter)).map((e) => e.load_rps)
  t.comment(`load_rps at the reporter right after the load: ${loads.join(', ')}`)

  // what the origin reads: an edge on its way out is announced as draining before it goes
  const drainingSeen = new Set<string>()
  const announced = new Set<string>()
  const vanishedUndrained = new Set<string>()
  const watchReporter = setInterval(() => {
    reporterEdges(reporter).then((edges) => {
      const ids = new Set(edges.map((e) => e.id))
      for (const id of announced) if (!ids.has(id) && !drainingSeen.has(id)) vanishedUndrained.add(id)
      for (const e of edges) { announced.add(e.id); if (e.draining) drainingSeen.add(e.id) }
    }).catch(() => {})
  }, 200)
  t.teardown(() => { clearInterval(watchReporter) })
  await waitFor('count back at EDGES_MIN', () => service.edges().filter((e) => e.state !== 'draining').length === 2, { timeoutMs: 40_000 })
  const changes = service.history.filter((c) => c.reason === 'load-high' || c.reason === 'load-low')
  t.comment(`count changes: ${changes.map((c) => `${c.from}->${c.to} (${c.reason}, +${c.at - (changes[0]?.at ?? 0)} ms)`).join(', ')}`)
  const firstDown = changes.findIndex((c) => c.to < c.from)
  t.ok(firstDown > 0, 'up first, then down')
  t.ok(changes.slice(0, firstDown).every((c) => c.to > c.from), 'only ups while loaded')
  t.ok(changes.slice(firstDown).every((c) => c.to < c.from), 'no up once the load stopped: no flapping')
  t.ok(changes.length <= 2 + (peak - 2), `at most ${2 + peak - 2} changes`)
  for (let i = firstDown + 1; i < changes.length; i++) {
    t.ok((changes[i]?.at ?? 0) - (changes[i - 1]?.at ?? 0) >= 2000, 'down steps respect the cooldown')
  }
  await waitFor('drained edges stopped', () => service.edges().length === 2, { timeoutMs: 15_000 })
  clearInterval(watchReporter)
  t.ok(drainingSeen.size >= peak - 2, `every scaled-down edge was announced as draining (${[...drainingSeen].join(', ')})`)
  t.same([...vanishedUndrained], [], 'no edge left the reporter without draining first')
  t.equal(service.edges().length, 2)
  await service.tick()
  const metrics = await (await request(`http://127.0.0.1:${service.port}/metrics`)).body.text()
  t.match(metrics, /edges_scale_events_total\{direction="up",service="edges"\} 1\b/)
  t.match(metrics, new RegExp(`edges_scale_events_total\\{direction="down",service="edges"\\} ${peak - 2}\\b`))
  t.match(metrics, /edges_count\{service="edges"\} 2\b/)
  t.match(metrics, /edges_by_state\{state="live",service="edges"\} 2\b/)
  t.match(metrics, /edges_load_rps\{edge="edge-\d+",service="edges"\} /)
})
