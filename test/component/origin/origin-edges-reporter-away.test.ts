// Issue 10, case 3: the reporter goes away for longer than EDGE_VIEW_MAX_STALE while the edges go on
// serving. The real OriginService, scripted packagers, a scripted reporter and scripted edges that
// answer GET /_edge/healthz. A listed segment's URI must not change host while its edge serves.
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { Test } from 'tap'
import { sideBySide } from '../../support/side-by-side.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startScriptedReporter, type OriginUnderTest } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

// the tests each start their own fakes and origin and mostly wait on their clocks: run them side by side

const segmentLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))
const msnOf = (line: string): number => Number(/(\d+)\.ts$/.exec(line)?.[1])
const RENDITIONS = ['hi', 'lo']
const ORIGIN_HOST = 'origin'

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
 * Reads both media playlists and remembers, per segment path, the host it was listed on (the
 * origin itself for a relative URI). Every change of host of an already-listed path is recorded.
 */
class HostLog {
  readonly hostByPath = new Map<string, string>()
  readonly changes: Array<{ path: string, from: string, to: string }> = []
  newest = 0
  constructor (private readonly origin: OriginUnderTest) {}

  async read (): Promise<Map<string, string>> {
    const now = new Map<string, string>()
    for (const rendition of RENDITIONS) {
      const res = await get(`${this.origin.url}/live01/${rendition}/playlist.m3u8`)
      if (res.status !== 200) throw new Error(`${rendition} playlist answered ${res.status}`)
      for (const line of segmentLines(res.text)) {
        const path = line.startsWith('http') ? new URL(line).pathname : `/live01/${rendition}/${line}`
        const host = line.startsWith('http') ? new URL(line).origin : ORIGIN_HOST
        const was = this.hostByPath.get(path)
        if (was !== undefined && was !== host) this.changes.push({ path, from: was, to: host })
        this.hostByPath.set(path, host)
        now.set(path, host)
        if (rendition === 'hi') this.newest = Math.max(this.newest, msnOf(line))
      }
    }
    return now
  }

  /** Reads every 100 ms until `count` new hi segments were listed; returns the last reading. */
  async watchNewSegments (count: number): Promise<Map<string, string>> {
    const target = this.newest + count
    return await waitFor(`${count} new segments`, async () => {
      const listed = await this.read()
      return this.newest >= target ? listed : undefined
    }, { timeoutMs: count * 1000 + 10_000, intervalMs: 100 })
  }
}

interface Scenario {
  readonly origin: OriginUnderTest
  readonly edges: readonly ScriptedEdge[]
  readonly log: HostLog
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
  const log = new HostLog(origin)
  await waitFor('every listed segment on an edge', async () => {
    const listed = await log.read()
    return listed.size >= 6 && [...listed.values()].every((h) => h !== ORIGIN_HOST)
  }, { timeoutMs: 15_000, intervalMs: 100 })
  return { origin, edges, log, reporter }
}

/** The reporter goes away; returns once the origin has noticed. */
async function reporterAway (s: Scenario): Promise<void> {
  s.reporter.up = false
  await waitFor('the origin to see the reporter away', () => !s.origin.service.status().reporterReachable, { timeoutMs: 10_000, intervalMs: 20 })
}

sideBySide('edges while the reporter is away', 2, (t) => {
  t.test('reporter away past EDGE_VIEW_MAX_STALE, edges serving: no listed URI changes host; a dead edge moves only its own', { buffered: true }, async (t) => {
    const s = await startScenario(t, {})
    const [edgeA, edgeB, edgeC] = s.edges as [ScriptedEdge, ScriptedEdge, ScriptedEdge]
    await reporterAway(s)
    const awayAt = Date.now()
    // 5 new segments: about 5 s away, five times EDGE_VIEW_MAX_STALE
    const listed = await s.log.watchNewSegments(5)
    const awayMs = Date.now() - awayAt
    t.ok(awayMs > 3000, `the reporter was away ${awayMs} ms (EDGE_VIEW_MAX_STALE 1 s)`)
    t.same(s.log.changes, [], 'no listed segment changed host while the reporter was away')
    t.ok([...listed.values()].every((h) => h !== ORIGIN_HOST), 'new segments still go to the edges')
    t.ok(new Set(listed.values()).size >= 2, 'spread over the edges')
    const checks = s.edges.map((e) => e.healthChecks)
    // bounded: one probe per edge per 100 ms poll, and one at the moment the reporter went away
    for (const [i, n] of checks.entries()) t.ok(n >= 1 && n <= Math.ceil(awayMs / 100) + 3, `edge ${i}: ${n} probes in ${awayMs} ms`)
    t.comment(`away ${awayMs} ms, ${s.log.hostByPath.size} paths watched, probes per edge ${checks.join('/')}`)

    // one edge stops answering: only its segments move
    const before = await s.log.read()
    await edgeB.stop()
    const after = await waitFor('the dead edge to leave the playlists', async () => {
      const now = await s.log.read()
      return [...now.values()].every((h) => h !== edgeB.url) ? now : undefined
    }, { timeoutMs: 10_000, intervalMs: 50 })
    const moved = s.log.changes.filter((c) => c.from !== edgeB.url)
    t.same(moved, [], 'no segment of a serving edge moved')
    const onB = [...before.entries()].filter(([, h]) => h === edgeB.url).map(([p]) => p)
    t.ok(onB.length > 0, `${onB.length} listed segments were on the dead edge`)
    for (const path of onB) if (after.has(path)) t.not(after.get(path), edgeB.url, `${path} left the dead edge`)
    const fromB = s.log.changes.length
    await s.log.watchNewSegments(2)
    t.equal(s.log.changes.length, fromB, 'and nothing else moves afterwards')
    t.ok([...(await s.log.read()).values()].every((h) => h === edgeA.url || h === edgeC.url), 'the two serving edges carry everything')

    // a restarted reporter knows no edge until their heartbeats arrive: nothing listed moves
    s.reporter.edges = []
    s.reporter.up = true
    await waitFor('the origin to see the reporter back', () => s.origin.service.status().reporterReachable, { timeoutMs: 10_000, intervalMs: 20 })
    const changesBefore = s.log.changes.length
    const blank = await s.log.watchNewSegments(2)
    t.equal(s.log.changes.length, changesBefore, 'a reporter back with no edge yet moves no listed segment')
    t.ok([...blank.values()].includes(ORIGIN_HOST), 'new segments go to the origin meanwhile (the edges drain)')
    // the heartbeats arrive: its view rules again
    s.reporter.edges = [edgeA.url, edgeC.url]
    await waitFor('new segments on the edges again', async () => {
      const now = await s.log.read()
      const newestHi = [...now.entries()].filter(([p]) => p.startsWith('/live01/hi/')).sort(([p], [q]) => msnOf(p) - msnOf(q)).at(-1)
      return newestHi !== undefined && newestHi[1] !== ORIGIN_HOST
    }, { timeoutMs: 10_000, intervalMs: 100 })
    t.equal(s.log.changes.length, changesBefore, 'still no listed segment moved')
    t.same(s.origin.service.status().edges.map((e) => e.url).sort(), [edgeA.url, edgeC.url].sort(), 'the status page shows the reporter\'s edges')
  })

  t.test('control: with EDGE_PROBE=false (the old rule) the same outage moves listed segments to the origin', { buffered: true }, async (t) => {
    const s = await startScenario(t, { EDGE_PROBE: 'false' })
    await reporterAway(s)
    await waitFor('a listed segment to change host', async () => {
      await s.log.read()
      return s.log.changes.length > 0
    }, { timeoutMs: 10_000, intervalMs: 100 })
    await s.log.read()
    t.ok(s.log.changes.length > 0, `${s.log.changes.length} listed segments changed host, e.g. ${JSON.stringify(s.log.changes[0])}`)
    t.ok(s.log.changes.every((c) => c.to === ORIGIN_HOST), 'all of them back onto the origin')
    t.equal(s.edges.reduce((n, e) => n + e.healthChecks, 0), 0, 'and no edge was probed')
  })
})
