import type { Test } from 'tap'
import { isProcessRunning } from '../../internal/edges/process-tools.js'
import { DEFAULT_PARSE_LIMITS, parseMasterPlaylist, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import { EdgeRing } from '../../internal/origin/edge-ring.js'
import { EdgeTimeline, getJson, POLL_MS, probeUntil, type ManagerEdge, type ProbeResult, type ReporterEdge, type Sighting } from './edge-timeline.js'
import { startLocalStack } from './local-stack.js'
import { PlaylistWatcher, summarizeReport, type WatcherReport } from './playlist-watcher.js'
import { waitFor } from './wait-for.js'

const TTL_MS = 5000
const AFTER_KILL_MS = 15_000
// the origin reads the reporter every second (REPORTER_POLL_INTERVAL) and re-renders on a change
const ORIGIN_LAG_MS = 3000

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/**
 * Real nginx edges behind the origin: `steadyMs` of stream watched through them, then one edge's nginx
 * SIGKILLed and `AFTER_KILL_MS` more. `minSegments` is what the watcher must have fetched by the end.
 */
export async function checkEdgesBehindOrigin (t: Test, { steadyMs, minSegments }: { steadyMs: number, minSegments: number }): Promise<void> {
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'edges'] })
  const origin = stack.url('origin')
  const reporter = stack.url('reporter')
  const manager = stack.url('edges')
  const entry = `${origin}/live01/playlist.m3u8`

  const liveEdges = async (): Promise<ManagerEdge[]> => (await getJson<ManagerEdge[]>(`${manager}/edges`)).filter((e) => e.state === 'live')
  const startEdges = await waitFor('3 live edges at the manager', async () => { const l = await liveEdges(); return l.length === 3 ? l : undefined }, { timeoutMs: 30_000 })
  await waitFor('the reporter to list the 3 edges', async () => (await getJson<ReporterEdge[]>(`${reporter}/edges`)).length === 3, { timeoutMs: 15_000 })
  await waitFor('the origin to serve live01', async () => (await fetch(entry)).status === 200, { timeoutMs: 60_000 }).catch((err: unknown) => {
    for (const name of ['worker', 'discovery', 'origin'] as const) t.comment(`${name}:\n${stack.procs[name].recentOutput()}`)
    throw err
  })
  const master = parseMasterPlaylist(await (await fetch(entry)).text())
  const mediaUrls = master.ok ? master.playlist.variants.map((v) => new URL(v.uri, entry).href) : [entry]
  const edgeOrigins = new Set(startEdges.map((e) => e.url))
  // once the origin has read the edge set, every segment URI it writes is on an edge
  await waitFor('every listed segment URI on an edge', async () => {
    for (const url of mediaUrls) {
      const parsed = parseMediaPlaylist(await (await fetch(url)).text(), { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true })
      if (!parsed.ok || parsed.playlist.segments.length < 3) return false
      if (!parsed.playlist.segments.every((s) => edgeOrigins.has(new URL(s.uri, url).origin))) return false
    }
    return true
  }, { timeoutMs: 20_000 })

  const timeline = new EdgeTimeline(reporter, mediaUrls)
  timeline.start()
  const watcher = new PlaylistWatcher(entry, { pollMs: 100, maxDurationMs: 180_000 })
  await watcher.start()
  let report: WatcherReport
  let killedAt = 0
  let victim: ManagerEdge
  let replacement: ManagerEdge
  let reporterFullAt = 0
  let probes: ProbeResult = { ok: 0, failed: [] }
  try {
    await sleep(steadyMs)

    victim = startEdges[1] as ManagerEdge
    // pids are recycled fast here: signal the master only while it is still this stack's nginx
    t.ok(isProcessRunning(victim.nginxPid, stack.edgesDir), `victim nginx ${victim.nginxPid} runs from the stack's EDGES_DIR`)
    // a player that got a URI on this edge just before the kill fetches it now (rule 5: at once)
    const onVictim = [...timeline.hostsByPath].filter(([, h]) => h.has(victim.url)).map(([p]) => p).at(-1)
    if (onVictim === undefined) throw new Error(`no segment listed on ${victim.url}`)
    killedAt = Date.now()
    process.kill(victim.nginxPid, 'SIGKILL')
    const probing = probeUntil(`${victim.url}${onVictim}`, () => replacement !== undefined)
    replacement = await waitFor('a replacement nginx', async () => {
      const live = await liveEdges()
      const fresh = live.find((e) => !startEdges.some((s) => s.nginxPid === e.nginxPid))
      return live.length === 3 && fresh !== undefined ? fresh : undefined
    }, { timeoutMs: 20_000, intervalMs: 50 })
    const replacedMs = Date.now() - killedAt
    probes = await probing
    const managerSet = (await liveEdges()).map((e) => e.url).sort()
    await waitFor('the reporter to list the full live set', async () => {
      const listed = (await getJson<ReporterEdge[]>(`${reporter}/edges`)).map((e) => e.url).sort()
      if (listed.join(',') !== managerSet.join(',')) return false
      reporterFullAt = Date.now()
      return true
    }, { timeoutMs: 20_000, intervalMs: 50 })
    t.comment(`killed nginx ${victim.nginxPid} (port ${victim.port}); replacement nginx ${replacement.nginxPid} on port ${replacement.port} live after ${replacedMs} ms; ` +
      `reporter lists the full set ${reporterFullAt - killedAt} ms after the kill`)
    await sleep(AFTER_KILL_MS)
  } finally {
    report = await watcher.stop()
    await timeline.stop()
  }
  t.comment(summarizeReport(report))
  t.comment(`failed fetches relative to the kill: ${report.httpErrors.map((e) => `${e.at - killedAt} ms ${String(e.status)} ${e.url}`).join('; ') || 'none'}`)
  t.comment(`a listed segment on the killed edge, fetched every 20 ms until the replacement was live: ${probes.ok} ok, ${probes.failed.length} failed ${JSON.stringify(probes.failed.slice(0, 5))}`)
  t.comment(`reporter edge sets: ${timeline.changes.map((c) => `+${c.at - (timeline.changes[0]?.at ?? 0)}ms [${c.urls.join(' ')}]`).join('; ')}`)

  t.ok(report.segmentsFetched > minSegments, `segments were fetched through the edges (${report.segmentsFetched})`)
  t.same(report.violations, [], '0 playlist rule violations')
  t.same(report.httpErrors, [], '0 non-200 answers, segments and playlists')
  t.same(timeline.errors, [], 'the side recorder saw no failed poll')

  // every URI the watcher fetched was on an edge the reporter listed, never on the origin
  const everListed = new Set(timeline.changes.flatMap((c) => c.urls.map((u) => new URL(u).host)))
  const hosts = new Set([...report.hostsByMsn.values()].flatMap((s) => [...s]))
  t.notOk(hosts.has(new URL(origin).host), 'no segment URI on the origin while edges are live')
  t.same([...hosts].filter((h) => !everListed.has(h)), [], `every segment host is a listed edge (${[...hosts].sort().join(' ')})`)

  // each segment sits on the edge rendezvous hashing picks from the live set of that moment
  const misplaced: string[] = []
  for (const [path, byHost] of timeline.hostsByPath) {
    for (const [host, seen] of byHost) {
      const sets = timeline.setsBetween(seen.first - ORIGIN_LAG_MS, seen.first)
      if (!sets.some((set) => new EdgeRing(set).pick(path.slice(1)) === host)) misplaced.push(`${path} on ${host}`)
    }
  }
  t.same(misplaced.slice(0, 5), [], `every segment is on its rendezvous edge (${timeline.hostsByPath.size} paths checked)`)

  // a host change for an MSN is allowed only across a change of the edge set
  const setChanges = timeline.changes.slice(1).map((c) => c.at)
  const moved = [...report.hostsByMsn].filter(([, h]) => h.size > 1).map(([key]) => key)
  const movedPaths = [...timeline.hostsByPath].filter(([, h]) => h.size > 1)
  t.comment(`edge-set changes: ${setChanges.length}; MSNs whose host changed: ${moved.length} (watcher), ${movedPaths.length} (recorder)`)
  if (setChanges.length === 0) {
    t.same(moved, [], 'the edge set never changed: no MSN changed host')
    t.same(movedPaths.map(([p]) => p), [], 'the edge set never changed: no path changed host')
  }
  const unexplained = movedPaths.filter(([, byHost]) => {
    const sightings = [...byHost.values()].sort((a, b) => a.first - b.first)
    const from = (sightings[0] as Sighting).first - ORIGIN_LAG_MS
    const to = (sightings.at(-1) as Sighting).first + POLL_MS
    return !setChanges.some((at) => at >= from && at <= to)
  }).map(([p]) => p)
  t.same(unexplained, [], 'every host change of a segment happened across an edge-set change')
  // stronger, and what hls.js needs: a listed segment leaves its edge only once that edge left the set
  const movedOffLiveEdge = movedPaths.filter(([, byHost]) => {
    const sightings = [...byHost].sort((a, b) => a[1].first - b[1].first)
    return sightings.slice(1).some(([, seen], i) => {
      const [oldHost, oldSeen] = sightings[i] as [string, Sighting]
      return !timeline.setsBetween(oldSeen.first, seen.first + POLL_MS).some((set) => !set.includes(oldHost))
    })
  }).map(([p]) => p)
  t.same(movedOffLiveEdge, [], 'no segment moved off an edge that was still live')

  // the replacement
  t.same(probes.failed, [], 'a segment listed on the killed edge stayed fetchable while nginx was replaced (rule 5)')
  t.not(replacement!.nginxPid, victim!.nginxPid, 'a new nginx master serves')
  t.notOk(isProcessRunning(victim!.nginxPid, stack.edgesDir), 'the killed master is gone')
  t.ok(reporterFullAt - killedAt <= TTL_MS, `the reporter lists a full live set within the TTL (${reporterFullAt - killedAt} ms)`)
  if (replacement!.port !== victim!.port) {
    const oldHost = victim!.url
    const lastListed = Math.max(0, ...[...timeline.hostsByPath.values()].map((h) => h.get(oldHost)?.last ?? 0))
    const budget = TTL_MS + report.targetDurationS * 1000 + POLL_MS
    t.ok(lastListed - killedAt <= budget, `the old edge left every playlist within TTL + TD (${lastListed - killedAt} ms, budget ${budget} ms)`)
  } else {
    t.comment(`replacement took the same port ${victim!.port}: the edge URL never left the set`)
  }
  const metrics = await (await fetch(`${manager}/metrics`)).text()
  t.match(metrics, /edges_replacements_total\{reason="exited",service="edges"\} 1\b/, 'the manager counted one replacement')
}
