// Issue 10, case 3: the reporter goes away for longer than EDGE_VIEW_MAX_STALE while the edges go on
// serving. The real OriginService, scripted packagers, a scripted reporter and scripted edges that
// answer GET /_edge/healthz. Players are offered the edges as Content Steering pathways: an edge
// that serves must stay offered while the reporter is away, and only a dead one may leave.
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { Test } from 'tap'
import { edgePathwayId, STEERING_BUCKETS } from '../../../internal/origin/edge-pathways.js'
import { sideBySide } from '../../support/side-by-side.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startScriptedReporter, type OriginUnderTest } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

// the tests each start their own fakes and origin and mostly wait on their clocks: run them side by side

interface ScriptedEdge { readonly url: string, readonly stop: () => Promise<void>, healthChecks: number }

/** A stand-in for an nginx edge: answers its health location like assets/nginx-edge.conf.template. */
async function startScriptedEdge (t: Test, id: string): Promise<ScriptedEdge> {
  const app = Fastify({ forceCloseConnections: true })
  const edge = { url: '', healthChecks: 0, stop: async () => { await app.close() } }
  app.get('/_edge/healthz', async () => { edge.healthChecks++; return `ok ${id}\n` })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  edge.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  return edge
}

/**
 * Reads every steering bucket's answer and the entry playlist's pathways: the edges players are
 * offered. Every change of that set is recorded.
 */
class PathwayLog {
  readonly changes: Array<{ at: number, from: string, to: string }> = []
  /** Steering answers that were not 200: a player polling one counts a failed request. */
  steeringFailures = 0
  #last: string | undefined
  constructor (private readonly origin: OriginUnderTest) {}

  async read (): Promise<Set<string>> {
    const ids = new Set<string>()
    for (let b = 0; b < STEERING_BUCKETS; b++) {
      const res = await get(`${this.origin.url}/live01/steering.json?b=${b}`)
      if (res.status !== 200) this.steeringFailures++
      else for (const id of (JSON.parse(res.text) as { 'PATHWAY-PRIORITY': string[] })['PATHWAY-PRIORITY']) ids.add(id)
    }
    for (const m of (await get(`${this.origin.url}/live01/playlist.m3u8`)).text.matchAll(/PATHWAY-ID="([^"]+)"/g)) ids.add(m[1] ?? '')
    const key = [...ids].sort().join(',')
    if (this.#last !== undefined && key !== this.#last) this.changes.push({ at: Date.now(), from: this.#last, to: key })
    this.#last = key
    return ids
  }

  /** Reads every 100 ms for `ms`; returns the last reading. */
  async watch (ms: number): Promise<Set<string>> {
    const until = Date.now() + ms
    let ids = await this.read()
    while (Date.now() < until) {
      await new Promise((resolve) => setTimeout(resolve, 100))
      ids = await this.read()
    }
    return ids
  }
}

const idOf = (edge: ScriptedEdge): string => edgePathwayId(edge.url)

interface Scenario {
  readonly origin: OriginUnderTest
  readonly edges: readonly ScriptedEdge[]
  readonly log: PathwayLog
  readonly reporter: { up: boolean, edges: string[] }
}

async function startScenario (t: Test, env: Record<string, string>): Promise<Scenario> {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const edges = [await startScriptedEdge(t, 'edge-a'), await startScriptedEdge(t, 'edge-b'), await startScriptedEdge(t, 'edge-c')]
  const reporter = { up: true, edges: edges.map((e) => e.url) }
  const reporterUrl = await startScriptedReporter(t, {
    ingests: () => {
      if (!reporter.up) throw new Error('reporter away')
      return [{ signal: 'live01', packagers: [a.url, b.url], last_reported: new Date().toUTCString() }]
    },
    edges: () => {
      if (!reporter.up) throw new Error('reporter away')
      return reporter.edges.map((url, i) => ({ id: `edge-${i}`, url, load_rps: 1, draining: false }))
    }
  })
  const origin = await startOrigin(t, {
    packagers: [a.url, b.url],
    reporterUrl,
    env: { REPORTER_POLL_INTERVAL: '100ms', EDGE_VIEW_MAX_STALE: '1s', EDGE_PROBE_FAILURES: '3', ...env }
  })
  const log = new PathwayLog(origin)
  await waitFor('the three edges offered as pathways', async () => (await log.read()).size === 3, { timeoutMs: 15_000, intervalMs: 100 })
  return { origin, edges, log, reporter }
}

/** The reporter goes away; returns once the origin has noticed. */
async function reporterAway (s: Scenario): Promise<void> {
  s.reporter.up = false
  await waitFor('the origin to see the reporter away', () => !s.origin.service.status().reporterReachable, { timeoutMs: 10_000, intervalMs: 20 })
}

/** The reporter answers again but lists no edge: every edge drains, and the ones still serving stay offered. */
async function restartedReporterListsNone (t: Test, s: Scenario, serving: readonly ScriptedEdge[]): Promise<void> {
  s.reporter.edges = []
  s.reporter.up = true
  await waitFor('the origin to see the reporter back', () => s.origin.service.status().reporterReachable, { timeoutMs: 10_000, intervalMs: 20 })
  await waitFor('the unlisted edges to show as draining', () => {
    const edges = s.origin.service.status().edges
    return edges.length === serving.length && edges.every((e) => e.draining)
  }, { timeoutMs: 10_000, intervalMs: 20 })
  const changes = s.log.changes.length
  const failures = s.log.steeringFailures
  const offered = await s.log.watch(2000)
  t.same([...offered].sort(), serving.map(idOf).sort(), 'every edge drains, so the draining ones that serve stay offered')
  t.equal(s.log.changes.length, changes, 'the offered set did not change while they drained')
  t.equal(s.log.steeringFailures, failures, 'and every steering answer was there')
}

sideBySide('edges while the reporter is away', 3, (t) => {
  t.test('reporter away past EDGE_VIEW_MAX_STALE, edges serving: they stay offered; a dead edge leaves alone', { buffered: true }, async (t) => {
    const s = await startScenario(t, {})
    const [edgeA, edgeB, edgeC] = s.edges as [ScriptedEdge, ScriptedEdge, ScriptedEdge]
    await reporterAway(s)
    const awayAt = Date.now()
    // about 5 s away, five times EDGE_VIEW_MAX_STALE
    const offered = await s.log.watch(5000)
    const awayMs = Date.now() - awayAt
    t.ok(awayMs > 3000, `the reporter was away ${awayMs} ms (EDGE_VIEW_MAX_STALE 1 s)`)
    t.same(s.log.changes, [], 'the pathways offered did not change while the reporter was away')
    t.equal(offered.size, 3, 'all three edges are still offered')
    const checks = s.edges.map((e) => e.healthChecks)
    // bounded: one probe per edge per 100 ms poll, and one at the moment the reporter went away
    for (const [i, n] of checks.entries()) t.ok(n >= 1 && n <= Math.ceil(awayMs / 100) + 3, `edge ${i}: ${n} probes in ${awayMs} ms`)
    t.comment(`away ${awayMs} ms, probes per edge ${checks.join('/')}`)

    // one edge stops answering: it alone leaves
    await edgeB.stop()
    const after = await waitFor('the dead edge to leave the pathways', async () => {
      const now = await s.log.read()
      return now.has(idOf(edgeB)) ? undefined : now
    }, { timeoutMs: 10_000, intervalMs: 50 })
    t.same([...after].sort(), [idOf(edgeA), idOf(edgeC)].sort(), 'the two serving edges stay offered')
    const changes = s.log.changes.length
    await s.log.watch(2000)
    t.equal(s.log.changes.length, changes, 'and nothing else changes afterwards')

    // a restarted reporter knows no edge until their heartbeats arrive: both edges drain, but with no
    // other edge to move their players to they stay offered, and the steering answers go on
    await restartedReporterListsNone(t, s, [edgeA, edgeC])
    // the heartbeats arrive: its view rules again
    s.reporter.edges = [edgeA.url, edgeC.url]
    const back = await waitFor('the edges offered again', async () => {
      const now = await s.log.read()
      return now.size === 2 ? now : undefined
    }, { timeoutMs: 10_000, intervalMs: 100 })
    t.same([...back].sort(), [idOf(edgeA), idOf(edgeC)].sort(), 'the reporter\'s edges are offered again')
    t.same(s.origin.service.status().edges.map((e) => e.url).sort(), [edgeA.url, edgeC.url].sort(), 'the status page shows the reporter\'s edges')
  })

  t.test('control: with EDGE_UNLISTED_GRACE=0 a restarted reporter that lists no edge yet takes every pathway away', { buffered: true }, async (t) => {
    const s = await startScenario(t, { EDGE_UNLISTED_GRACE: '0' })
    s.reporter.edges = []
    await waitFor('the pathways to go', async () => (await s.log.read()).size === 0, { timeoutMs: 10_000, intervalMs: 100 })
    t.ok(s.log.steeringFailures > 0, `${s.log.steeringFailures} steering answers failed: players polling them would count failed requests`)
  })

  t.test('control: with EDGE_PROBE=false (the old rule) the same outage stops offering the serving edges', { buffered: true }, async (t) => {
    const s = await startScenario(t, { EDGE_PROBE: 'false' })
    await reporterAway(s)
    await waitFor('the pathways to change', async () => {
      await s.log.read()
      return s.log.changes.length > 0
    }, { timeoutMs: 10_000, intervalMs: 100 })
    t.ok(s.log.changes.length > 0, `the offered set changed: ${JSON.stringify(s.log.changes[0])}`)
    t.equal(s.log.changes.at(-1)?.to, '', 'to none at all, though every edge serves')
    t.equal(s.edges.reduce((n, e) => n + e.healthChecks, 0), 0, 'and no edge was probed')
  })
})
