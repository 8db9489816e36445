import type { Test } from 'tap'
import { isProcessRunning } from '../../internal/edges/process-tools.js'
import { HlsBrowserPlayer } from '../chaos/hls-player.js'
import { originPlayerRequests } from './edges-test-helpers.js'
import { startLocalStack } from './local-stack.js'
import { waitFor } from './wait-for.js'

interface ManagerEdge { id: string, port: number, url: string, state: string, nginxPid: number, watchdogPid: number }

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

async function getJson<T> (url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
  return await res.json() as T
}

/** `clients` pollers, each reloading one media playlist from `bases[i % n]` every 500 ms for `ms`. */
async function pollers (bases: readonly string[], clients: number, ms: number): Promise<{ requests: number, failed: number }> {
  const until = Date.now() + ms
  let requests = 0
  let failed = 0
  await Promise.all(Array.from({ length: clients }, async (_, i) => {
    const url = `${bases[i % bases.length] ?? ''}/live01/${i % 2 === 0 ? '180p' : '360p'}/playlist.m3u8`
    while (Date.now() < until) {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) }).catch(() => undefined)
      requests++
      if (res?.status !== 200) failed++
      await res?.body?.cancel()
      await sleep(500)
    }
  }))
  return { requests, failed }
}

/**
 * Players talk only to edges: real nginx edges behind the origin, the origin's entry playlist offering
 * them as Content Steering pathways. hls.js opens the origin's entry URL and plays `steadyMs`; then
 * the load of many clients on the edges is compared with the origin's, and the edge the player
 * plays from is SIGKILLed while it watches for `afterKillMs`.
 */
export async function checkEdgesBehindOrigin (t: Test, { steadyMs, afterKillMs }: { steadyMs: number, afterKillMs: number }): Promise<void> {
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'edges'] })
  const origin = stack.url('origin')
  const manager = stack.url('edges')
  const entry = `${origin}/live01/playlist.m3u8`
  const liveEdges = async (): Promise<ManagerEdge[]> => (await getJson<ManagerEdge[]>(`${manager}/edges`)).filter((e) => e.state === 'live')
  const startEdges = await waitFor('3 live edges at the manager', async () => { const l = await liveEdges(); return l.length === 3 ? l : undefined }, { timeoutMs: 30_000 })
  const edgeUrls = startEdges.map((e) => e.url)
  const master = await waitFor('the entry playlist to offer the 3 edges', async () => {
    const res = await fetch(entry)
    const text = res.status === 200 ? await res.text() : ''
    return edgeUrls.every((u) => text.includes(`${u}/live01/`)) ? text : undefined
  }, { timeoutMs: 60_000, intervalMs: 500 }).catch((err: unknown) => {
    for (const name of ['worker', 'discovery', 'origin'] as const) t.comment(`${name}:\n${stack.procs[name].recentOutput()}`)
    throw err
  })
  t.match(master, /#EXT-X-CONTENT-STEERING:SERVER-URI="http:\/\/[^"]+\/live01\/steering\.json\?b=\d"/, 'the entry playlist names a steering server on an edge')
  const viaEdge = await fetch(`${edgeUrls[0] ?? ''}/live01/180p/playlist.m3u8`)
  const mediaText = await viaEdge.text()
  t.equal(viaEdge.status, 200, 'an edge serves the media playlist')
  t.ok(mediaText.split('\n').filter((l) => l !== '' && !l.startsWith('#')).every((l) => /^\d+\.ts$/.test(l)), 'with relative segment URIs: segments come from the same edge')
  t.equal(viaEdge.headers.get('x-accel-expires'), null, 'nginx keeps the origin\'s cache instruction to itself')

  const player = new HlsBrowserPlayer(entry)
  t.teardown(async () => { await player.close() })
  await player.start()
  await player.waitUntilPlaying(40_000)
  await sleep(steadyMs)

  // the origin's load is a function of edges and renditions, not of viewers: 20 clients already ask
  // every edge for every rendition, 60 make three times the requests at the edges and none more at the origin
  const windowMs = 6000
  const originCost = async (bases: readonly string[], clients: number): Promise<{ origin: number, requests: number, failed: number }> => {
    const start = await originPlayerRequests(origin)
    const load = await pollers(bases, clients, windowMs)
    return { origin: (await originPlayerRequests(origin)) - start, ...load }
  }
  const twenty = await originCost(edgeUrls, 20)
  const sixty = await originCost(edgeUrls, 60)
  const direct = await originCost([origin], 60)
  // a playlist kept 1 s is refreshed at most every 1-2 s (nginx counts whole seconds) per edge and rendition
  const bound = edgeUrls.length * 2 * (windowMs / 1000) + 30
  t.comment(`origin requests in ${windowMs / 1000} s: ${twenty.origin} for 20 clients on the edges (${twenty.requests} requests), ${sixty.origin} for 60 (${sixty.requests}), ${direct.origin} for 60 on the origin itself; bound ${bound}`)
  t.equal(twenty.failed + sixty.failed, 0, 'every client request through the edges was answered')
  t.ok(sixty.origin <= twenty.origin * 1.25 + 5, `three times the clients on the edges cost the origin no more (${twenty.origin} -> ${sixty.origin})`)
  t.ok(sixty.origin <= bound, `the origin answers edges x renditions, not viewers (${sixty.origin} <= ${bound})`)
  t.ok(direct.origin > sixty.origin * 3, `control: the same clients on the origin itself multiply its requests (${direct.origin})`)

  // the edge the player plays from dies
  const playingOn = await waitFor('the edge the player uses', async () => {
    const served = player.servedBySoFar().filter((s) => s.host !== new URL(origin).host).sort((a, b) => b.last - a.last)[0]
    return served === undefined ? undefined : startEdges.find((e) => new URL(e.url).host === served.host)
  }, { timeoutMs: 10_000 })
  // pids are recycled fast here: signal the master only while it is still this stack's nginx
  t.ok(isProcessRunning(playingOn.nginxPid, stack.edgesDir), `the player's edge (port ${playingOn.port}) runs from the stack's EDGES_DIR`)
  const killedAt = Date.now()
  process.kill(playingOn.nginxPid, 'SIGKILL')
  await sleep(afterKillMs)
  const report = await player.close()
  const originHost = new URL(origin).host
  t.comment(JSON.stringify({
    stalls: report.stalls.map((s) => ({ at: s.at - killedAt, ms: s.ms })),
    errors: report.errors.map((e) => `${e.at - killedAt} ${e.details}${e.fatal ? ' FATAL' : ''}`).slice(0, 8),
    servedBy: report.servedBy.map((s) => ({ host: s.host, first: s.first - killedAt, last: s.last - killedAt, count: s.count }))
  }))
  t.ok(report.began, 'the player played')
  t.same(report.stalls, [], 'hls.js: 0 stalls through the death of its edge')
  t.same(report.errors.filter((e) => e.fatal), [], 'hls.js: 0 fatal errors')
  t.ok(report.progressRatio > 0.9, `it kept playing (progress ${report.progressRatio.toFixed(3)})`)
  const fromOrigin = report.servedBy.find((s) => s.host === originHost)?.count ?? 0
  t.ok(fromOrigin <= 1, `the player asked the origin for its entry playlist only (${fromOrigin} answer)`)
  const afterKill = report.servedBy.filter((s) => s.host !== originHost && s.last > killedAt + 2000)
  t.ok(afterKill.length > 0, `it went on with an edge: ${afterKill.map((s) => s.host).join(' ')}`)
}
