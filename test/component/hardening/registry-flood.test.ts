// Issue 11, case 2: filling the registry must not remove the edges. Writers are held to per-role
// limits (so GET /ingests has a documented maximum), the origin reads the reporter with a cap sized
// for that maximum, and an ingest answer it cannot read (too large, say) costs no edge.
import { sideBySide } from '../../support/side-by-side.js'
import type { Test } from 'tap'
import { pino } from 'pino'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../../internal/reporter/reporter-service.js'
import { DEFAULT_LIMITS, DEFAULT_REPORTER_ANSWER_BYTES, largestAnswerBytes, largestIngestsAnswerBytes, MAX_URL_LENGTH } from '../../../internal/reporter/reporter-limits.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startScriptedReporter } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

// each test starts its own services and fakes on free ports: run them side by side

const DISCOVERY = 'discovery-token-0123456789'
const EDGES = 'edges-token-9876543210'
const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

/** A packager URL of exactly the longest allowed length. */
function longUrl (signal: number, packager: number): string {
  const head = `http://p${signal}-${packager}.example:8080/`
  return head + 'x'.repeat(MAX_URL_LENGTH - head.length)
}

/** The longest values every field allows: the worst case for the answer's size. */
function worstPackager (url: string): Record<string, unknown> {
  return { url, healthy: true, reason: 'r'.repeat(64), media_sequence: Number.MAX_SAFE_INTEGER, last_change: '2024-04-05T14:23:44.1234567890123+05:30', playlist_age_ms: Number.MAX_SAFE_INTEGER }
}

async function startReporter (t: Test): Promise<{ base: string, post: (route: string, body: unknown) => Promise<{ status: number, message: string }> }> {
  const service = new ReporterService(loadReporterConfig({ REPORTER_PORT: '0', REPORTER_DISCOVERY_TOKEN: DISCOVERY, REPORTER_EDGES_TOKEN: EDGES }), pino({ level: 'silent' }))
  t.teardown(async () => { await service.close() })
  await service.start()
  const base = `http://127.0.0.1:${service.port}`
  return {
    base,
    post: async (route, body) => {
      const token = route === '/ingests' ? DISCOVERY : EDGES
      const res = await fetch(`${base}${route}`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: JSON.stringify(body) })
      return { status: res.status, message: ((await res.json()) as { message?: string }).message ?? '' }
    }
  }
}

sideBySide('registry flood', 3, (t) => {
  t.test('the flood of the issue is refused: 160 reports of 64 packagers each', { buffered: true }, async (t) => {
    const reporter = await startReporter(t)
    const statuses = new Map<number, number>()
    for (let i = 0; i < 160; i++) {
      const packagers = Array.from({ length: 64 }, (_, j) => worstPackager(longUrl(i, j)))
      const r = await reporter.post('/ingests', { signal: `flood${i}`, packagers, ttl_ms: 60_000 })
      statuses.set(r.status, (statuses.get(r.status) ?? 0) + 1)
      if (i === 0) t.equal(r.message, "signal 'flood0' would list 64 packagers; at most 16 (REPORTER_MAX_PACKAGERS_PER_SIGNAL)")
    }
    t.same([...statuses], [[429, 160]], 'every one is a 429 with a one-line reason')
    const answer = await (await fetch(`${reporter.base}/ingests`)).text()
    t.equal(answer, '[]', 'and nothing was registered')
  })

  t.test('filled to every limit with the longest values, GET /ingests stays within what the origin reads', { buffered: true }, async (t) => {
    const { a, b } = await startPair(t)
    advanceEvery(t, [a, b], 1000)
    const reporter = await startReporter(t)
    const { maxSignals, maxPackagersPerSignal } = DEFAULT_LIMITS
    for (let i = 0; i < maxSignals; i++) {
      // live01 is one of them, with the two real packagers among its sixteen
      const urls = Array.from({ length: maxPackagersPerSignal }, (_, j) => longUrl(i, j))
      if (i === 0) urls.splice(0, 2, a.url, b.url)
      const r = await reporter.post('/ingests', { signal: i === 0 ? 'live01' : `s${i}`, packagers: urls.map(worstPackager), ttl_ms: 60_000 })
      if (r.status !== 200) t.fail(`report ${i}: ${r.status} ${r.message}`)
    }
    const more = await reporter.post('/ingests', { signal: 'one-too-many', packagers: [worstPackager(longUrl(999, 0))] })
    t.equal(more.status, 429, 'a new signal past REPORTER_MAX_SIGNALS -> 429')
    t.equal(more.message, '256 signals are live, the most discovery may register (REPORTER_MAX_SIGNALS); a new signal waits until one expires')
    const extra = await reporter.post('/ingests', { signal: 's1', packagers: [worstPackager(longUrl(1, 99))] })
    t.equal(extra.status, 429, 'a 17th packager for a signal -> 429')

    const bytes = Buffer.byteLength(await (await fetch(`${reporter.base}/ingests`)).text())
    const bound = largestIngestsAnswerBytes(DEFAULT_LIMITS)
    t.comment(`GET /ingests at every limit: ${bytes} bytes; documented maximum ${bound}; origin cap ${DEFAULT_REPORTER_ANSWER_BYTES}`)
    t.ok(bytes > 1024 * 1024, 'larger than the 1 MiB playlist cap the origin used to read it with')
    t.ok(bytes <= bound, 'within the documented maximum')
    t.ok(largestAnswerBytes(DEFAULT_LIMITS) <= DEFAULT_REPORTER_ANSWER_BYTES, "the origin's default cap takes the largest answer")
    t.ok(DEFAULT_REPORTER_ANSWER_BYTES - largestAnswerBytes(DEFAULT_LIMITS) < 1024 * 1024, 'and is not far above it')

    // the real origin reads that answer: reachable, live01 served, the edge offered to players
    const edge = 'http://127.0.0.1:18401'
    t.equal((await reporter.post('/edges', { edges: [{ id: 'edge-18401', url: edge, load_rps: 0 }], ttl_ms: 60_000 })).status, 200)
    const origin = await startOrigin(t, { packagers: [a.url, b.url], reporterUrl: reporter.base, env: { REPORTER_POLL_INTERVAL: '200ms', UPSTREAM_TIMEOUT: '5s' } })
    const url = `${origin.url}/live01/playlist.m3u8`
    await waitFor('variants on the edge', async () => {
      const lines = uriLines((await get(url)).text)
      return lines.length >= 2 && lines.every((l) => l.startsWith(`${edge}/`)) ? true : undefined
    }, { timeoutMs: 20_000, intervalMs: 200 })
    t.equal(origin.service.status().reporterReachable, true, 'the origin reads the full registry')
  })

  t.test('an ingest answer the origin cannot read costs no edge', { buffered: true }, async (t) => {
    const { a, b } = await startPair(t)
    advanceEvery(t, [a, b], 1000)
    const edges = ['http://127.0.0.1:18411', 'http://127.0.0.1:18412']
    const small = [{ signal: 'live01', packagers: [a.url, b.url], last_reported: new Date().toUTCString() }]
    // past any cap: 5 MiB of well-formed entries the origin would have to read to the end
    const huge = JSON.stringify([...small, ...Array.from({ length: 5 * 1024 }, (_, i) => ({ signal: `x${i}`, packagers: [], pad: 'p'.repeat(1000) }))])
    let answer: unknown = small
    const reporterUrl = await startScriptedReporter(t, {
      ingests: () => answer,
      edges: () => edges.map((url, i) => ({ id: `edge-${i}`, url, load_rps: 1 }))
    })
    // without probes and with a 1 s staleness limit, coupling the edges to the ingest answer drops them in 1 s
    const origin = await startOrigin(t, { packagers: [a.url, b.url], reporterUrl, env: { REPORTER_POLL_INTERVAL: '100ms', EDGE_PROBE: 'false', EDGE_VIEW_MAX_STALE: '1s', REPORTER_MAX_ANSWER_BYTES: String(1024 * 1024) } })
    // the entry playlist's variants: the edges offered to players
    const url = `${origin.url}/live01/playlist.m3u8`
    const onEdges = (lines: string[]): boolean => lines.length >= 4 && lines.every((l) => edges.some((e) => l.startsWith(`${e}/`)))
    await waitFor('variants on the edges', async () => onEdges(uriLines((await get(url)).text)) ? true : undefined, { timeoutMs: 15_000, intervalMs: 100 })

    answer = JSON.parse(huge)
    await waitFor('the origin to find the ingest answer unreadable', async () => origin.service.status().reporterReachable ? undefined : true, { timeoutMs: 10_000, intervalMs: 100 })
    const until = Date.now() + 3000
    let checks = 0
    while (Date.now() < until) {
      const lines = uriLines((await get(url)).text)
      if (!onEdges(lines)) t.fail(`a variant left the edges: ${lines.find((l) => !edges.some((e) => l.startsWith(e))) ?? ''}`)
      checks += 1
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    t.ok(checks > 10, `${checks} playlists over 3 s (three times EDGE_VIEW_MAX_STALE), every variant on an edge`)
    t.same(origin.service.status().edges.map((e) => e.url), edges, 'both edges still listed')
  })
})
