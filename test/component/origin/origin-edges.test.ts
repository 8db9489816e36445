import t from 'tap'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startScriptedReporter } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const segmentLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

t.test('segment URIs go to live edges by rendezvous hashing; a listed segment changes host only when its edge is gone', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  let edges = ['http://127.0.0.1:18101', 'http://127.0.0.1:18102', 'http://127.0.0.1:18103']
  const draining = new Set<string>()
  const reporterUrl = await startScriptedReporter(t, {
    ingests: () => [{ signal: 'live01', packagers: [a.url, b.url], last_reported: new Date().toUTCString() }],
    edges: () => edges.map((url, i) => ({ id: `edge-${i}`, url, load_rps: 1, draining: draining.has(url) }))
  })
  const origin = await startOrigin(t, {
    packagers: [a.url, b.url],
    reporterUrl,
    env: { REPORTER_POLL_INTERVAL: '100ms' }
  })
  const url = `${origin.url}/live01/hi/playlist.m3u8`
  const onEdges = await waitFor('segments on edges', async () => {
    const res = await get(url)
    const lines = segmentLines(res.text)
    return res.status === 200 && lines.length >= 3 && lines.every((l) => l.startsWith('http://127.0.0.1:181')) ? lines : undefined
  }, { timeoutMs: 10_000, intervalMs: 100 })
  for (const line of onEdges) t.match(new URL(line).pathname, /^\/live01\/hi\/\d+\.ts$/, `${line}: the origin's own path on an edge`)

  // every host a path was ever listed on: it may change only when that edge is gone
  const hostsByPath = new Map<string, string>()
  const goneHosts = new Set<string>()
  const listNow = async (): Promise<string[]> => {
    const lines = segmentLines((await get(url)).text)
    for (const line of lines) {
      const { pathname, origin: host } = new URL(line)
      const seen = hostsByPath.get(pathname)
      if (seen !== undefined && seen !== host && !goneHosts.has(seen)) t.fail(`${pathname} moved from ${seen} to ${host} while its edge was alive`)
      hostsByPath.set(pathname, host)
    }
    return lines
  }
  await listNow()

  // an edge joins: listed segments stay put, new ones start landing on it
  const joined = 'http://127.0.0.1:18104'
  edges = [...edges, joined]
  const withJoined = await waitFor('a new segment on the joined edge', async () => {
    const lines = await listNow()
    return lines.some((l) => l.startsWith(joined)) ? lines : undefined
  }, { timeoutMs: 30_000, intervalMs: 100 })
  t.notOk(onEdges.some((l) => withJoined.includes(l.replace(/^http:\/\/[^/]+/, joined))), 'no segment listed before the join moved onto it')
  t.ok(new Set(hostsByPath.values()).size >= 3, 'segments spread over several edges')

  // it drains: it keeps what it holds and gets nothing new
  draining.add(joined)
  const held = withJoined.filter((l) => l.startsWith(joined))
  const lastHeld = Math.max(...held.map((l) => Number(/(\d+)\.ts$/.exec(l)?.[1])))
  const drained = await waitFor('three new segments after the drain began', async () => {
    const lines = await listNow()
    const newest = Number(/(\d+)\.ts$/.exec(lines.at(-1) ?? '')?.[1])
    return newest >= lastHeld + 3 ? lines : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  for (const line of held) {
    const path = new URL(line).pathname
    const now = drained.find((l) => new URL(l).pathname === path)
    if (now !== undefined) t.equal(now, line, `${path} stays on the draining edge while listed`)
  }
  t.notOk(drained.some((l) => l.startsWith(joined) && Number(/(\d+)\.ts$/.exec(l)?.[1]) > lastHeld + 1), 'no new segment on the draining edge')
  // once gone its segments may move: the old URIs could not be fetched any more
  edges = edges.filter((e) => e !== joined)
  draining.delete(joined)
  goneHosts.add(joined)
  await waitFor('the drained edge to leave the playlist', async () => {
    const lines = await listNow()
    return lines.every((l) => !l.startsWith(joined)) ? lines : undefined
  }, { timeoutMs: 5000, intervalMs: 50 })

  // one edge leaves: only its segments move
  const gone = 'http://127.0.0.1:18102'
  const listedBefore = segmentLines((await get(url)).text)
  const before = new Map(listedBefore.map((l) => [new URL(l).pathname, new URL(l).origin]))
  edges = edges.filter((e) => e !== gone)
  const after = await waitFor('the edge to leave the playlist', async () => {
    const lines = segmentLines((await get(url)).text)
    return lines.every((l) => !l.startsWith(gone)) ? lines : undefined
  }, { timeoutMs: 5000, intervalMs: 50 })
  for (const line of after) {
    const path = new URL(line).pathname
    const was = before.get(path)
    if (was !== undefined && was !== gone) t.equal(new URL(line).origin, was, `${path} stayed on ${was}`)
  }

  // no edge: URIs point at the origin again
  edges = []
  const relative = await waitFor('URIs back on the origin', async () => {
    const lines = segmentLines((await get(url)).text)
    return lines.every((l) => /^\d+\.ts$/.test(l)) ? lines : undefined
  }, { timeoutMs: 5000, intervalMs: 50 })
  const segment = await get(new URL(relative.at(-1) as string, url).href)
  t.equal(segment.status, 200, 'and the origin serves them')
  const metrics = await (await fetch(`${origin.url}/metrics`)).text()
  t.match(metrics, /^origin_edges\{[^}]*\} 0$/m, 'origin_edges follows the edge set')
})
