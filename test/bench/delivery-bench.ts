// Delivery bench, side by side in one run: real reporter, discovery, two packagers fed by a synthetic
// epoch-locked stream, the real origin and the real edges manager with N nginx edges. Players load
// everything from the edges (the origin's entry playlist offers them as Content Steering pathways).
// Prints: the origin's requests per second with 1 player, one player per edge and rendition, and
// --players players; the edges' segment cache hit ratio; a live media playlist and a segment from
// an edge's cache against nginx serving the same bytes from disk.
// Usage: npm run bench:delivery -- [--edges=3] [--players=500] [--td=2] [--renditions=2]
//   [--segment-kb=256] [--phase=20] [--duration=5] [--connections=64] [--rounds=3]
import type { ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { killEdgesIn, originPlayerRequests } from '../support/edges-test-helpers.js'
import { ServiceProcess } from '../support/service-process.js'
import { runEdgePlayers } from './delivery-bench-players.js'
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

const edgeCount = positive('edges', '3', 1, 8)
const playerCount = positive('players', '500', 1, 2000)
const phaseS = positive('phase', '20', 5, 300)
const td = positive('td', '2', 1, 10)
const renditionCount = positive('renditions', '2', 1, 8)
const segmentKb = positive('segment-kb', '256', 1, 8192)
const durationS = positive('duration', '5', 1, 60)
const connections = positive('connections', '64', 1, 1000)
const rounds = positive('rounds', '3', 1, 20)

const SIGNAL = 'live01'
const TOKEN = 'delivery-bench-token'
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

function row (label: string, cells: string[]): string {
  return label.padEnd(26) + cells.map((c) => c.padStart(12)).join('') + '\n'
}

const out = (line: string): void => { process.stdout.write(line.endsWith('\n') ? line : line + '\n') }

const work = await mkdtemp(path.join(tmpdir(), 'delivery-bench-'))
const roots = [path.join(work, 'packager1'), path.join(work, 'packager2')]
const edgesDir = path.join(work, 'edges')
const stream = new SyntheticLiveStream({ roots, signal: SIGNAL, renditions: RENDITIONS, targetDurationS: td, windowSegments: 6, segmentBytes: segmentKb * 1024 })
const services: ServiceProcess[] = []
const children: ChildProcess[] = []
const cleanup = async (): Promise<void> => {
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
  // the origin as bench:origin starts it, but reading the real reporter; edges are allow-listed from edgesBase on
  const origin = startOrigin({ port: ports.origin, packagers, reporterUrl: local(ports.reporter), signal: SIGNAL, edgeAllowlist: `http://127.0.0.1:${edgesBase}-${edgesBase + 63}` })
  children.push(origin)
  const originBase = local(ports.origin)
  await waitForHttp(`${originBase}/healthz`, origin)
  await service('edges', 'cmd/edges/main.ts', ports.edges, {
    EDGES_PORT: String(ports.edges), EDGES_BASE_PORT: String(edgesBase), EDGES_DIR: edgesDir, ORIGIN_URL: originBase,
    EDGES_MIN: String(edgeCount), EDGES_MAX: String(edgeCount), EDGE_TTL: `${TTL_MS}ms`, EDGE_HEARTBEAT: '1s'
  })
  const manager = local(ports.edges)
  const edges = await until(`${edgeCount} live edges`, async () => {
    const list = (await getJson<ManagerEdge[]>(`${manager}/edges`)).filter((e) => e.state === 'live')
    return list.length === edgeCount ? list : undefined
  }, 30_000)
  const edgeUrls = edges.map((e) => e.url).sort()
  const edgeSet = new Set(edgeUrls)
  await until('the entry playlist to offer every edge', async () => {
    const text = await (await fetch(`${originBase}/${SIGNAL}/playlist.m3u8`)).text()
    return edgeUrls.every((u) => text.includes(`${u}/${SIGNAL}/`)) ? true : undefined
  }, 60_000)
  // what players load after the entry playlist: a media playlist on an edge, round-robin over edges x renditions
  const mediaUrls = edgeUrls.flatMap((e) => RENDITIONS.map((r) => `${e}/${SIGNAL}/${r}/playlist.m3u8`))

  out(`delivery bench, node ${process.version}: ${edgeCount} nginx edges (real manager), ${RENDITIONS.length} renditions x 2 packagers, ` +
    `TD ${td}s, ${segmentKb} KiB synthetic segments; load average ${loadavg()[0]?.toFixed(2)} (2 cores shared with the whole stack)`)

  // ---- 1. the origin's load against the number of players ------------------------------------------
  const phases = [1, mediaUrls.length, playerCount]
  out(`\nplayers reload their media playlist on an edge every TD/2 and fetch each new segment from it; ${phaseS}s per phase`)
  out(row('players', ['origin req/s', 'edge req/s', 'seg HIT', 'seg MISS', 'other', 'non200', 'errors']))
  const perPhase: number[] = []
  for (const players of phases) {
    const before = await originPlayerRequests(originBase)
    const startedAt = Date.now()
    const result = await runEdgePlayers({ mediaUrls, players, pollMs: tdMs / 2, durationMs: phaseS * 1000, edgeOrigins: edgeSet })
    const seconds = (Date.now() - startedAt) / 1000
    const originRps = ((await originPlayerRequests(originBase)) - before) / seconds
    perPhase.push(originRps)
    out(row(String(players), [originRps.toFixed(1), ((result.playlistRequests + result.segmentRequests) / seconds).toFixed(0), String(result.hits), String(result.misses), String(result.otherCache), String(result.non200), String(result.errors + result.offEdge)]))
  }
  const [one = 0, perPair = 0, many = 0] = perPhase
  out(`RATIO origin req/s, ${playerCount} players / ${mediaUrls.length} (one per edge and rendition): ${(many / Math.max(0.001, perPair)).toFixed(3)} (aim within 10%: the origin answers edges x renditions)`)
  out(`RATIO origin req/s, ${playerCount} players / 1 player: ${(many / Math.max(0.001, one)).toFixed(3)} (one player warms one edge and one rendition, so the origin sees less of it)`)

  // ---- 2. a live media playlist and a segment from an edge's cache against nginx from disk ----------
  const playlistUrl = mediaUrls[0] as string
  const playlistText = await (await fetch(playlistUrl)).text()
  const segmentUri = new URL(playlistText.split('\n').filter((l) => l !== '' && !l.startsWith('#')).at(-1) ?? '', playlistUrl)
  await compareWithDisk('live media playlist (kept 1 s)', playlistUrl, Buffer.from(playlistText), edges)
  await compareWithDisk('segment (immutable)', segmentUri.href, Buffer.from(await (await fetch(segmentUri)).arrayBuffer()), edges)
  out(`\nload average at the end ${loadavg()[0]?.toFixed(2)}`)
} finally {
  await cleanup()
}

/**
 * `url` on an edge against nginx (worker_processes 1) serving the same bytes from disk, with the lean
 * client, alternating rounds. A live playlist changes every TD: the edge refreshes it once a second
 * from the origin while the load runs, as it does for players.
 */
async function compareWithDisk (label: string, url: string, bytes: Buffer, edges: readonly ManagerEdge[]): Promise<void> {
  const { pathname, origin: edgeBase } = new URL(url)
  const nginxRoot = path.join(work, `nginx-root-${label.length}`)
  await mkdir(path.dirname(path.join(nginxRoot, pathname)), { recursive: true })
  await writeFile(path.join(nginxRoot, pathname), bytes)
  const nginxPort = await freePort()
  const nginx = await startNginx({ prefix: path.join(work, `nginx-${label.length}`), root: nginxRoot, port: nginxPort, workers: '1' })
  children.push(nginx)
  await waitForHttp(local(nginxPort) + pathname, nginx)
  const edge = edges.find((e) => e.url === edgeBase) as ManagerEdge
  const targets = { disk: { url: local(nginxPort) + pathname, pid: nginx.pid ?? 0 }, edge: { url, pid: edge.nginxPid } }
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
  out(`\n${label}: ${pathname} (${bytes.length} bytes) from one edge vs nginx from disk, lean client, ${connections} connections, ${durationS}s x ${rounds} rounds, alternating`)
  out(row('', ['req/s', 'MB/s', 'p99 ms', 'CPU us/req', 'non2xx+err']))
  for (const who of ['disk', 'edge'] as const) {
    const r = results[who]
    out(row(who === 'disk' ? 'nginx from disk' : 'edge', [mean(r.map((x) => x.rps)).toFixed(0), mean(r.map((x) => x.mbps)).toFixed(1), mean(r.map((x) => x.p99)).toFixed(2),
      mean(r.map((x) => x.cpuUs)).toFixed(0), String(r.reduce((a, x) => a + x.bad, 0))]))
  }
  const sorted = [...roundRatios].sort((a, b) => a - b)
  out(`per-round edge/disk req/s: ${roundRatios.map((r) => r.toFixed(2)).join(' ')}`)
  out(`RATIO ${label}, edge / nginx from disk: ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2)} req/s (median of rounds; aim >= 0.8)`)
}
