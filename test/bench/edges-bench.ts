// Edges bench, side by side in one run: real reporter, discovery, two packagers fed by a synthetic
// epoch-locked stream, the real origin and the real edges manager with N nginx edges.
// Prints: edge cache hit ratio once warm; origin segment fetches per segment per edge; spread of
// segments over edges; fraction of segments that move when one edge leaves (EdgeRing and live);
// edge cache-hit throughput against nginx serving the same file from disk.
// Usage: npm run bench:edges -- [--edges=4] [--players=200] [--window-td=10] [--td=2] [--renditions=2]
//   [--segment-kb=256] [--duration=5] [--connections=10] [--rounds=3]
import type { ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { isProcessRunning } from '../../internal/edges/process-tools.js'
import { DEFAULT_PARSE_LIMITS, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import { EdgeRing } from '../../internal/origin/edge-ring.js'
import { killEdgesIn } from '../support/edges-test-helpers.js'
import { ServiceProcess } from '../support/service-process.js'
import { runEdgePlayers } from './edges-bench-players.js'
import { scrape, startOrigin, sumCounter } from './origin-bench-processes.js'
import { SyntheticLiveStream } from './origin-bench-stream.js'
import { cpuSeconds, freePort, runLoad, startNginx, stopChild, waitForHttp } from './packager-bench-processes.js'

function arg (name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit === undefined ? fallback : hit.slice(name.length + 3)
}

function positive (name: string, fallback: string, min: number, max: number): number {
  const value = Number(arg(name, fallback))
  if (!Number.isInteger(value) || value < min || value > max) throw new Error(`--${name} must be a whole number from ${min} to ${max}`)
  return value
}

const edgeCount = positive('edges', '4', 2, 16)
const playerCount = positive('players', '200', 1, 2000)
const windowTd = positive('window-td', '10', 2, 100)
const td = positive('td', '2', 1, 10)
const renditionCount = positive('renditions', '2', 1, 8)
const segmentKb = positive('segment-kb', '256', 1, 8192)
const durationS = positive('duration', '5', 1, 60)
const connections = positive('connections', '10', 1, 1000)
const rounds = positive('rounds', '3', 1, 20)

const SIGNAL = 'live01'
const TOKEN = 'edges-bench-token'
const TTL_MS = 3000
const RENDITIONS = ['720p', '480p', '360p', '240p', '1080p', '160p', '540p', '144p'].slice(0, renditionCount)
const tdMs = td * 1000
const local = (port: number): string => `http://127.0.0.1:${port}`
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

interface ManagerEdge { id: string, port: number, url: string, state: string, nginxPid: number, watchdogPid: number }

async function getJson<T> (url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
  return await res.json() as T
}

/** Polls until `check` returns a value, or throws naming what it waited for. */
async function until<T> (what: string, check: () => Promise<T | undefined>, timeoutMs: number, stepMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await check().catch(() => undefined)
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await sleep(stepMs)
  }
}

/** The segment URIs the origin lists right now, per media playlist: path -> edge origin. */
async function listedUris (mediaUrls: readonly string[]): Promise<Map<string, string>> {
  const out = new Map<string, string>()
  for (const url of mediaUrls) {
    const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
    const parsed = parseMediaPlaylist(await res.text(), { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true })
    if (!parsed.ok) throw new Error(`${url}: ${parsed.reason}`)
    for (const s of parsed.playlist.segments) {
      const uri = new URL(s.uri, url)
      out.set(uri.pathname, uri.origin)
    }
  }
  return out
}

/** Busiest edge over the mean, counting every edge of the set (an edge with nothing counts as 0). */
function spread (countByEdge: ReadonlyMap<string, number>, edges: readonly string[]): { max: number, mean: number, ratio: number } {
  const counts = edges.map((e) => countByEdge.get(e) ?? 0)
  const mean = counts.reduce((a, b) => a + b, 0) / Math.max(1, counts.length)
  const max = Math.max(0, ...counts)
  return { max, mean, ratio: mean > 0 ? max / mean : 0 }
}

function countBy (values: Iterable<string>): Map<string, number> {
  const out = new Map<string, number>()
  for (const v of values) out.set(v, (out.get(v) ?? 0) + 1)
  return out
}

/** Segments of the first rendition missing on disk in [from, to]: the synthetic writer only writes the newest one per tick. */
async function missingSegments (root: string, from: number, to: number): Promise<number> {
  const names = new Set(await readdir(path.join(root, SIGNAL, RENDITIONS[0] as string)))
  let missing = 0
  for (let msn = from; msn <= to; msn++) if (!names.has(`${msn}.ts`)) missing++
  return missing
}

function row (label: string, cells: string[]): string {
  return label.padEnd(26) + cells.map((c) => c.padStart(12)).join('') + '\n'
}

const out = (line: string): void => { process.stdout.write(line.endsWith('\n') ? line : line + '\n') }

const work = await mkdtemp(path.join(tmpdir(), 'edges-bench-'))
const roots = [path.join(work, 'packager1'), path.join(work, 'packager2')]
const edgesDir = path.join(work, 'edges')
const stream = new SyntheticLiveStream({ roots, signal: SIGNAL, renditions: RENDITIONS, targetDurationS: td, windowSegments: 6, segmentBytes: segmentKb * 1024 })
const services: ServiceProcess[] = []
const children: ChildProcess[] = []
const frozen: number[] = []
const cleanup = async (): Promise<void> => {
  for (const group of frozen) { try { process.kill(-group, 'SIGCONT') } catch {} }
  await stream.close()
  for (const child of [...children].reverse()) await stopChild(child)
  // reverse start order: the edges manager stops its nginx edges, the origin goes before its packagers
  for (const service of [...services].reverse()) await service.stop()
  await killEdgesIn(edgesDir)
  await rm(work, { recursive: true, force: true })
}
process.once('SIGINT', () => { void cleanup().then(() => process.exit(130)) })

try {
  await stream.start()
  const ports = { reporter: await freePort(), server1: await freePort(), server2: await freePort(), discovery: await freePort(), origin: await freePort(), edges: await freePort() }
  let edgesBase = await freePort()
  while (edgesBase > 60_000) edgesBase = await freePort()
  const packagers = [local(ports.server1), local(ports.server2)]
  const env = {
    HOST: '127.0.0.1', LOG_LEVEL: 'warn', LIVE_SIGNAL_NAME: SIGNAL, NODE_NO_WARNINGS: '1',
    REPORTER_PORT: String(ports.reporter), REPORTER_URL: local(ports.reporter), REPORTER_TOKEN: TOKEN,
    SERVER_ONE_PORT: String(ports.server1), SERVER_TWO_PORT: String(ports.server2)
  }
  const service = async (name: string, entry: string, port: number, extra: Record<string, string>): Promise<ServiceProcess> => {
    const proc = new ServiceProcess({ name, entry, env: { ...env, ...extra }, healthPort: port })
    services.push(proc)
    await proc.start()
    return proc
  }
  await service('reporter', 'cmd/reporter/main.ts', ports.reporter, {})
  await service('server1', 'cmd/packager/main.ts', ports.server1, { PACKAGER_NAME: 'server1', PACKAGER_ROOT: roots[0] as string })
  await service('server2', 'cmd/packager/main.ts', ports.server2, { PACKAGER_NAME: 'server2', PACKAGER_ROOT: roots[1] as string })
  await service('discovery', 'cmd/discovery/main.ts', ports.discovery, {
    DISCOVERY_PORT: String(ports.discovery), OUTPUT_STREAM_PATH: roots[0] as string, PACKAGER_URLS: packagers.join(','), DISCOVERY_RUN_FREQUENCY: '1s'
  })
  // the origin as bench:origin starts it, but reading the real reporter
  // the origin places segments only on allow-listed edges: the manager's ports from edgesBase on
  const origin = startOrigin({ port: ports.origin, packagers, reporterUrl: local(ports.reporter), signal: SIGNAL, edgeAllowlist: `http://127.0.0.1:${edgesBase}-${edgesBase + 63}` })
  children.push(origin)
  const originBase = local(ports.origin)
  await waitForHttp(`${originBase}/healthz`, origin)
  // a frozen edge must stay out (not be replaced) while the bench watches its segments move
  await service('edges', 'cmd/edges/main.ts', ports.edges, {
    EDGES_PORT: String(ports.edges), EDGES_BASE_PORT: String(edgesBase), EDGES_DIR: edgesDir, ORIGIN_URL: originBase,
    EDGES_MIN: String(edgeCount), EDGES_MAX: String(edgeCount), EDGE_TTL: `${TTL_MS}ms`, EDGE_HEARTBEAT: '1s', EDGE_UNHEALTHY_PROBES: '100'
  })
  const manager = local(ports.edges)
  const edges = await until(`${edgeCount} live edges`, async () => {
    const list = (await getJson<ManagerEdge[]>(`${manager}/edges`)).filter((e) => e.state === 'live')
    return list.length === edgeCount ? list : undefined
  }, 30_000)
  const edgeUrls = edges.map((e) => e.url).sort()
  const edgeSet = new Set(edgeUrls)
  const mediaUrls = RENDITIONS.map((r) => `${originBase}/${SIGNAL}/${r}/playlist.m3u8`)
  await until('every listed segment on an edge', async () => {
    const listed = await listedUris(mediaUrls)
    return listed.size >= 3 * RENDITIONS.length && [...listed.values()].every((h) => edgeSet.has(h)) ? true : undefined
  }, 60_000)

  out(`edges bench, node ${process.version}: ${edgeCount} nginx edges (real manager, TTL ${TTL_MS} ms), ${RENDITIONS.length} renditions x 2 packagers, ` +
    `TD ${td}s, ${segmentKb} KiB synthetic segments; load average ${loadavg()[0]?.toFixed(2)} (2 cores shared with the whole stack)`)

  // ---- 1-3. players through the edges: hit ratio, origin fetches per segment, spread -------------
  const listedPaths = new Map<string, string>()
  const recordListed = async (): Promise<void> => { for (const [p, h] of await listedUris(mediaUrls)) listedPaths.set(p, h) }
  await recordListed()
  const servedBefore = sumCounter(await scrape(originBase), 'origin_segments_served_total')
  const upstreamBefore = sumCounter(await scrape(originBase), 'origin_upstream_fetches_total', { kind: 'segment' })
  const warmMs = 2 * tdMs
  const playersRun = runEdgePlayers({ mediaUrls, players: playerCount, pollMs: tdMs / 2, durationMs: warmMs + windowTd * tdMs, edgeOrigins: edgeSet })
  const lister = setInterval(() => { recordListed().catch(() => {}) }, tdMs / 2)
  const players = await playersRun.finally(() => { clearInterval(lister) })
  await sleep(500)
  const originText = await scrape(originBase)
  const servedDelta = sumCounter(originText, 'origin_segments_served_total') - servedBefore
  const upstreamDelta = sumCounter(originText, 'origin_upstream_fetches_total', { kind: 'segment' }) - upstreamBefore
  const distinct = players.edgeByPath.size
  const perPathMisses = [...players.missesByPath.values()]
  const cacheAnswers = players.hits + players.misses + players.otherCache
  // "once warm": the first request of each segment is the one miss it must cost; everything after is the warm cache
  const warmHits = players.hits
  const warmRequests = Math.max(0, cacheAnswers - distinct)
  out(`\nplayers: ${playerCount} over ${RENDITIONS.length} media playlists, reload every TD/2, ${warmMs / 1000}s join ramp + ${windowTd} TD`)
  out(row('', ['requests', 'HIT', 'MISS', 'other', 'non200', 'errors', 'off-edge']))
  out(row('segments via edges', [String(players.segmentRequests), String(players.hits), String(players.misses), String(players.otherCache), String(players.non200), String(players.errors), String(players.offEdge)]))
  out(row('playlists via origin', [String(players.playlistRequests)]))
  if (players.non200 > 0) out(`non-200 segment answers by status: ${JSON.stringify(Object.fromEntries(players.non200ByStatus))}`)
  const skipped = stream.newestMsn === undefined ? 0 : await missingSegments(roots[0] as string, stream.newestMsn - 12, stream.newestMsn)
  if (skipped > 0) out(`WARNING the synthetic writer skipped ${skipped} listed segment(s) in the last 12 (a timer late by more than one TD under load): 404s upstream are expected`)
  out(`RATIO edge cache hit ratio (all answers): ${(players.hits / Math.max(1, cacheAnswers)).toFixed(4)} (aim > 0.99)`)
  out(`RATIO edge cache hit ratio once warm (after each segment's first fetch): ${(warmHits / Math.max(1, warmRequests)).toFixed(4)}`)
  out(`RATIO MISS per distinct segment: ${(players.misses / Math.max(1, distinct)).toFixed(3)} (max on one path ${Math.max(0, ...perPathMisses)}; ${distinct} distinct segments)`)
  out(`RATIO origin segment answers per segment per edge: ${(servedDelta / Math.max(1, distinct)).toFixed(3)} (origin_segments_served_total +${servedDelta} for ${distinct} segments, each on one edge; aim 1)`)
  out(`      origin -> packager segment fetches per segment: ${(upstreamDelta / Math.max(1, distinct)).toFixed(3)} (origin_upstream_fetches_total{kind=segment} +${upstreamDelta})`)

  const listedByEdge = countBy(listedPaths.values())
  const listedSpread = spread(listedByEdge, edgeUrls)
  const requestSpread = spread(players.requestsByEdge, edgeUrls)
  const synthetic = Array.from({ length: 20_000 }, (_, i) => `${SIGNAL}/${RENDITIONS[i % RENDITIONS.length] as string}/${1_000_000 + Math.floor(i / RENDITIONS.length)}.ts`)
  const ring = new EdgeRing(edgeUrls)
  const syntheticSpread = spread(countBy(synthetic.map((p) => ring.pick(p) as string)), edgeUrls)
  out(`\nspread of segments over ${edgeCount} edges (busiest / mean)`)
  out(row('', ['segments', 'per edge', 'busiest/mean']))
  out(row('listed by the origin', [String(listedPaths.size), edgeUrls.map((e) => String(listedByEdge.get(e) ?? 0)).join('/'), listedSpread.ratio.toFixed(3)]))
  out(row('player requests', [String(players.segmentRequests), edgeUrls.map((e) => String(players.requestsByEdge.get(e) ?? 0)).join('/'), requestSpread.ratio.toFixed(3)]))
  out(row('EdgeRing, 20k paths', [String(synthetic.length), '', syntheticSpread.ratio.toFixed(3)]))
  out(`RATIO spread busiest/mean: ${listedSpread.ratio.toFixed(3)} over the ${listedPaths.size} listed segments, ${syntheticSpread.ratio.toFixed(3)} over 20k paths (aim < 1.25)`)

  // ---- 4. one edge leaves: what moves --------------------------------------------------------------
  const leaving = edges[edges.length - 1] as ManagerEdge
  const remaining = edgeUrls.filter((u) => u !== leaving.url)
  const smaller = new EdgeRing(remaining)
  const movedOf = (paths: readonly string[]): { moved: number, onlyFromLeaving: boolean } => {
    let moved = 0
    let onlyFromLeaving = true
    for (const p of paths) {
      const before = ring.pick(p)
      if (before !== smaller.pick(p)) { moved++; if (before !== leaving.url) onlyFromLeaving = false }
    }
    return { moved, onlyFromLeaving }
  }
  const listedKeys = [...listedPaths.keys()].map((p) => p.slice(1))
  const ringListed = movedOf(listedKeys)
  const ringSynthetic = movedOf(synthetic)
  out(`\none edge of ${edgeCount} leaves (${leaving.url})`)
  out(`RATIO moved (EdgeRing, ${listedKeys.length} listed paths): ${(ringListed.moved / Math.max(1, listedKeys.length)).toFixed(3)}, ` +
    `(EdgeRing, 20k paths): ${(ringSynthetic.moved / synthetic.length).toFixed(3)}; expected ~${(1 / edgeCount).toFixed(3)}; ` +
    `only the leaving edge's segments moved: ${ringListed.onlyFromLeaving && ringSynthetic.onlyFromLeaving ? 'yes' : 'NO'}`)

  // live: freeze the edge (SIGSTOP its watchdog group) so it fails probes, leaves the heartbeat and expires at the reporter
  const before = await listedUris(mediaUrls)
  if (!isProcessRunning(leaving.watchdogPid, edgesDir)) throw new Error(`watchdog ${leaving.watchdogPid} is not this bench's edge`)
  const frozenAt = Date.now()
  frozen.push(leaving.watchdogPid)
  process.kill(-leaving.watchdogPid, 'SIGSTOP')
  const after = await until('the origin to list no segment on the frozen edge', async () => {
    const listed = await listedUris(mediaUrls)
    return [...listed.values()].every((h) => h !== leaving.url) ? listed : undefined
  }, TTL_MS + 4 * tdMs + 10_000, 100)
  const leftMs = Date.now() - frozenAt
  let common = 0
  let moved = 0
  let movedFromOthers = 0
  let misplaced = 0
  for (const [p, host] of after) {
    if (smaller.pick(p.slice(1)) !== host) misplaced++
    const was = before.get(p)
    if (was === undefined) continue
    common++
    if (was !== host) { moved++; if (was !== leaving.url) movedFromOthers++ }
  }
  out(`live: the origin stopped listing the frozen edge ${leftMs} ms after SIGSTOP (TTL ${TTL_MS} ms + origin reporter poll 1 s)`)
  out(`RATIO moved (live, ${common} segments listed before and after): ${(moved / Math.max(1, common)).toFixed(3)}; moved from edges that stayed: ${movedFromOthers}; ` +
    `segments not on their rendezvous edge after: ${misplaced}`)
  process.kill(-leaving.watchdogPid, 'SIGCONT')
  frozen.pop()
  await until('the thawed edge back in the playlists', async () => {
    const listed = await listedUris(mediaUrls)
    return [...listed.values()].some((h) => h === leaving.url) ? true : undefined
  }, 30_000)

  // ---- 5. edge cache-hit throughput against nginx from disk ------------------------------------------
  const [segmentPath, segmentEdge] = [...(await listedUris(mediaUrls))][0] as [string, string]
  const warm = await fetch(segmentEdge + segmentPath)
  const bytes = Buffer.from(await warm.arrayBuffer())
  const second = await fetch(segmentEdge + segmentPath)
  await second.arrayBuffer()
  if (second.headers.get('x-cache-status') !== 'HIT') throw new Error(`expected a cache HIT for ${segmentPath}, got ${second.headers.get('x-cache-status')}`)
  const nginxRoot = path.join(work, 'nginx-root')
  await mkdir(path.dirname(path.join(nginxRoot, segmentPath)), { recursive: true })
  await writeFile(path.join(nginxRoot, segmentPath), bytes)
  const nginxPort = await freePort()
  const nginx = await startNginx({ prefix: path.join(work, 'nginx'), root: nginxRoot, port: nginxPort, workers: '1' })
  children.push(nginx)
  await waitForHttp(local(nginxPort) + segmentPath, nginx)
  const edgeEntry = edges.find((e) => e.url === segmentEdge) as ManagerEdge
  const targets = { disk: { url: local(nginxPort) + segmentPath, pid: nginx.pid ?? 0 }, edge: { url: segmentEdge + segmentPath, pid: edgeEntry.nginxPid } }
  await runLoad('lean', targets.disk.url, connections, 1)
  await runLoad('lean', targets.edge.url, connections, 1)
  const results: Record<'disk' | 'edge', Array<{ rps: number, mbps: number, p99: number, cpuUs: number, bad: number }>> = { disk: [], edge: [] }
  const roundRatios: number[] = []
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? ['disk', 'edge'] as const : ['edge', 'disk'] as const
    for (const who of order) {
      const cpuBefore = await cpuSeconds(targets[who].pid)
      const load = await runLoad('lean', targets[who].url, connections, durationS)
      const cpu = await cpuSeconds(targets[who].pid) - cpuBefore
      results[who].push({ rps: load.requestsPerSec, mbps: load.throughputMBps, p99: load.p99Ms, cpuUs: cpu * 1e6 / Math.max(1, load.requestsPerSec * durationS), bad: load.non2xx + load.errors })
    }
    roundRatios.push((results.edge[round]?.rps ?? 0) / Math.max(1, results.disk[round]?.rps ?? 0))
  }
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)
  out(`\n${segmentPath} (${bytes.length} bytes) from one edge's cache vs nginx (worker_processes 1) from disk, lean client, ${connections} connections, ${durationS}s x ${rounds} rounds, alternating`)
  out(row('', ['req/s', 'MB/s', 'p99 ms', 'CPU us/req', 'non2xx+err']))
  for (const who of ['disk', 'edge'] as const) {
    const r = results[who]
    out(row(who === 'disk' ? 'nginx from disk' : 'edge cache HIT', [mean(r.map((x) => x.rps)).toFixed(0), mean(r.map((x) => x.mbps)).toFixed(1), mean(r.map((x) => x.p99)).toFixed(2),
      mean(r.map((x) => x.cpuUs)).toFixed(0), String(r.reduce((a, x) => a + x.bad, 0))]))
  }
  const sorted = [...roundRatios].sort((a, b) => a - b)
  out(`per-round edge/disk req/s: ${roundRatios.map((r) => r.toFixed(2)).join(' ')}`)
  out(`RATIO edge hit / nginx from disk: ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2)} req/s (median of rounds)`)
  out(`\nload average at the end ${loadavg()[0]?.toFixed(2)}`)
} finally {
  await cleanup()
}
