import t from 'tap'
import { isProcessRunning } from '../../internal/edges/process-tools.js'
import { DEFAULT_PARSE_LIMITS, parseMasterPlaylist, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import { EdgeRing } from '../../internal/origin/edge-ring.js'
import { startLocalStack } from '../support/local-stack.js'
import { PlaylistWatcher, summarizeReport, type WatcherReport } from '../support/playlist-watcher.js'
import { waitFor } from '../support/wait-for.js'

const TTL_MS = 5000
const STEADY_MS = 60_000
const AFTER_KILL_MS = 15_000
const POLL_MS = 250
// the origin reads the reporter every second (REPORTER_POLL_INTERVAL) and re-renders on a change
const ORIGIN_LAG_MS = 3000

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

interface ManagerEdge { id: string, port: number, url: string, state: string, nginxPid: number, watchdogPid: number }
interface ReporterEdge { id: string, url: string }
interface EdgeSetChange { readonly at: number, readonly urls: readonly string[] }
interface Sighting { first: number, last: number }

async function getJson<T> (url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
  return await res.json() as T
}

/**
 * Beside the watcher: every POLL_MS, the reporter's live edge set (kept as a timeline of changes)
 * and, per listed segment path, when each host was first and last listed for it.
 */
class EdgeTimeline {
  readonly changes: EdgeSetChange[] = []
  readonly hostsByPath = new Map<string, Map<string, Sighting>>()
  readonly errors: string[] = []
  #stopped = false
  #loop: Promise<void> | undefined

  constructor (private readonly reporterUrl: string, private readonly mediaUrls: readonly string[]) {}

  start (): void { this.#loop = this.#run() }

  async stop (): Promise<void> {
    this.#stopped = true
    await this.#loop
  }

  /** The edge sets the reporter listed at some moment in [from, to]. */
  setsBetween (from: number, to: number): Array<readonly string[]> {
    const out: Array<readonly string[]> = []
    for (let i = 0; i < this.changes.length; i++) {
      const change = this.changes[i] as EdgeSetChange
      const until = this.changes[i + 1]?.at ?? Infinity
      if (change.at <= to && until >= from) out.push(change.urls)
    }
    return out
  }

  async #run (): Promise<void> {
    while (!this.#stopped) {
      const at = Date.now()
      await Promise.all([this.#pollEdges(at), ...this.mediaUrls.map(async (url) => { await this.#pollPlaylist(url, at) })])
      await sleep(Math.max(0, POLL_MS - (Date.now() - at)))
    }
  }

  async #pollEdges (at: number): Promise<void> {
    try {
      const urls = (await getJson<ReporterEdge[]>(`${this.reporterUrl}/edges`)).map((e) => e.url).sort()
      const last = this.changes.at(-1)
      if (last === undefined || last.urls.join(',') !== urls.join(',')) this.changes.push({ at, urls })
    } catch (err) {
      this.errors.push(`reporter /edges: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  async #pollPlaylist (url: string, at: number): Promise<void> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
      const text = await res.text()
      if (res.status !== 200) { this.errors.push(`${url} answered ${res.status}`); return }
      const parsed = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true })
      if (!parsed.ok) { this.errors.push(`${url} unparseable: ${parsed.reason}`); return }
      for (const segment of parsed.playlist.segments) {
        const uri = new URL(segment.uri, url)
        const hosts = this.hostsByPath.get(uri.pathname) ?? new Map<string, Sighting>()
        const seen = hosts.get(uri.origin) ?? { first: at, last: at }
        seen.last = at
        hosts.set(uri.origin, seen)
        this.hostsByPath.set(uri.pathname, hosts)
      }
    } catch (err) {
      this.errors.push(`${url}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
}

interface ProbeResult { ok: number, failed: Array<{ atMs: number, error: string }> }

/** Fetches `url` every 20 ms until `done()`, then once more; counts what failed and when (ms after the first try). */
async function probeUntil (url: string, done: () => boolean): Promise<ProbeResult> {
  const result: ProbeResult = { ok: 0, failed: [] }
  const started = Date.now()
  for (let last = false; ; last = done()) {
    const at = Date.now() - started
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
      await res.arrayBuffer()
      if (res.status === 200) result.ok++
      else result.failed.push({ atMs: at, error: `HTTP ${res.status}` })
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message})` : ''
      result.failed.push({ atMs: at, error: `${err instanceof Error ? err.message : String(err)}${cause}` })
    }
    if (last || Date.now() - started > 20_000) return result
    await sleep(20)
  }
}


t.test('edges: real nginx edges serve every listed segment; a SIGKILLed edge is replaced without a failed segment', { timeout: 300_000 }, async (t) => {
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
    await sleep(STEADY_MS)

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

  t.ok(report.segmentsFetched > 60, `segments were fetched through the edges (${report.segmentsFetched})`)
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
})
