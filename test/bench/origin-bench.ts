// Origin bench, side by side in one run: (1) media-playlist req/s of the origin against nginx serving
// the same bytes from disk; (2) upstream playlist fetches with 1 player against many players.
// Usage: npm run bench:origin -- [--duration=5] [--connections=10] [--rounds=3] [--clients=lean,autocannon]
//   [--players=500] [--window-td=10] [--td=2] [--renditions=2] [--nginx-workers=1] [--origin-cpu-prof=DIR]
import type { ChildProcess } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { loadavg, tmpdir } from 'node:os'
import path from 'node:path'
import { cpuSeconds, freePort, runLoad, startNginx, startPackager, stopChild, waitForHttp, type LoadClient } from './packager-bench-processes.js'
import { summarize, type Measured } from './bench-measured.js'
import { scrape, startOrigin, startPlayers, sumCounter, type PlayersResult } from './origin-bench-processes.js'
import { SyntheticLiveStream } from './origin-bench-stream.js'

function arg (name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit === undefined ? fallback : hit.slice(name.length + 3)
}

function positive (name: string, fallback: string, max: number): number {
  const value = Number(arg(name, fallback))
  if (!Number.isInteger(value) || value < 1 || value > max) throw new Error(`--${name} must be a whole number from 1 to ${max}`)
  return value
}

const durationS = positive('duration', '5', 120)
const connections = positive('connections', '10', 1000)
const rounds = positive('rounds', '3', 20)
const clients = arg('clients', 'lean,autocannon').split(',') as LoadClient[]
const manyPlayers = positive('players', '500', 5000)
const windowTd = positive('window-td', '10', 100)
const td = positive('td', '2', 10)
const renditionCount = positive('renditions', '2', 8)
const nginxWorkers = arg('nginx-workers', '1')
// a V8 CPU profile of the origin, written when it exits (open it in Chrome DevTools)
const originCpuProf = arg('origin-cpu-prof', '')
if (clients.some((c) => c !== 'lean' && c !== 'autocannon')) throw new Error('--clients is a list of lean, autocannon')

const SIGNAL = 'live01'
const RENDITIONS = ['720p', '480p', '360p', '240p', '1080p', '160p', '540p', '144p'].slice(0, renditionCount)
const tdMs = td * 1000

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
// fetches follow the epoch boundaries, so windows run from mid-segment to mid-segment
const untilMidSegment = async (): Promise<void> => { await sleep((tdMs * 1.5 - (Date.now() % tdMs)) % tdMs) }

const work = await mkdtemp(path.join(tmpdir(), 'origin-bench-'))
const roots = [path.join(work, 'packager1'), path.join(work, 'packager2')]
const stream = new SyntheticLiveStream({ roots, signal: SIGNAL, renditions: RENDITIONS, targetDurationS: td, windowSegments: 6, segmentBytes: 4096 })
const children: ChildProcess[] = []
const cleanup = async (): Promise<void> => {
  await stream.close()
  // reverse start order: the origin goes before the packagers it follows, so it logs no failover
  for (const child of [...children].reverse()) await stopChild(child)
  await rm(work, { recursive: true, force: true })
}
process.once('SIGINT', () => { void cleanup().then(() => process.exit(130)) })

try {
  await stream.start()
  const packagerBases: string[] = []
  for (const root of roots) {
    const port = await freePort()
    const child = startPackager({ root, port })
    children.push(child)
    packagerBases.push(`http://127.0.0.1:${port}`)
    await waitForHttp(`http://127.0.0.1:${port}/healthz`, child)
  }
  // nothing listens there: the origin runs on its own probes, as when the reporter is away
  const reporterUrl = `http://127.0.0.1:${await freePort()}`
  const originPort = await freePort()
  const origin = startOrigin({ port: originPort, packagers: packagerBases, reporterUrl, signal: SIGNAL, nodeArgs: originCpuProf === '' ? [] : ['--cpu-prof', `--cpu-prof-dir=${path.resolve(originCpuProf)}`] })
  children.push(origin)
  const originBase = `http://127.0.0.1:${originPort}`
  await waitForHttp(`${originBase}/healthz`, origin)
  const mediaPaths = RENDITIONS.map((r) => `/${SIGNAL}/${r}/playlist.m3u8`)
  await waitForHttp(`${originBase}${mediaPaths[0] as string}`, origin, 30_000)
  const originPid = origin.pid ?? 0

  process.stdout.write(`origin bench, node ${process.version}, ${RENDITIONS.length} renditions x ${packagerBases.length} packagers, ` +
    `TD ${td}s, synthetic epoch-locked stream, reporter unreachable; load average ${loadavg()[0]?.toFixed(2)} (other work on these 2 cores skews both sides)\n`)

  // ---- 2. upstream cost per rendition, not per viewer -------------------------------------------
  const upstream: Array<{ players: number, fetches: Fetches, load: PlayersResult }> = []
  for (const players of [1, manyPlayers]) {
    const windowMs = windowTd * tdMs
    const rampMs = 2 * tdMs
    const run = startPlayers({ urls: mediaPaths.map((p) => originBase + p), players, intervalMs: tdMs / 2, durationS: (rampMs + windowMs + 2 * tdMs) / 1000 })
    children.push(run.child)
    await sleep(rampMs)
    await untilMidSegment()
    const before = await fetchCounts(packagerBases, originBase, originPid)
    await sleep(windowMs)
    const after = await fetchCounts(packagerBases, originBase, originPid)
    const load = await run.result
    upstream.push({ players, fetches: rates(before, after, windowMs / 1000), load })
  }
  process.stdout.write(`\nupstream playlist fetches, ${windowTd} TD window, players poll a media playlist every TD/2 (${tdMs / 2} ms)\n`)
  process.stdout.write(row('players', ['player req/s', 'pkgr fetch/s', 'origin up/s', 'origin CPU%', 'p50 ms', 'p99 ms', 'non2xx', 'errors', 'MSN back']))
  for (const { players, fetches, load } of upstream) {
    process.stdout.write(row(String(players), [load.requestsPerSec.toFixed(1), fetches.packagerPlaylist.toFixed(2), fetches.originUpstreamPlaylist.toFixed(2),
      (fetches.originCpu * 100).toFixed(1), load.p50Ms.toFixed(2), load.p99Ms.toFixed(2), String(load.non2xx), String(load.errors), String(load.msnRegressions)]))
  }
  const [one, many] = upstream as [typeof upstream[0], typeof upstream[0]]
  process.stdout.write(`RATIO upstream playlist fetches ${manyPlayers}/1 players: ${ratio(many.fetches.packagerPlaylist, one.fetches.packagerPlaylist)} (packagers' count), ` +
    `${ratio(many.fetches.originUpstreamPlaylist, one.fetches.originUpstreamPlaylist)} (origin's count); ` +
    `player requests ${ratio(many.load.requestsPerSec, one.load.requestsPerSec)}; expected ~${(RENDITIONS.length * packagerBases.length / td).toFixed(2)} fetch/s (renditions x packagers / TD)\n`)

  // ---- 1. origin vs nginx on the same media-playlist bytes ---------------------------------------
  const mediaPath = mediaPaths[0] as string
  const bytes = Buffer.from(await (await fetch(originBase + mediaPath)).arrayBuffer())
  const nginxRoot = path.join(work, 'nginx-root')
  await mkdir(path.dirname(path.join(nginxRoot, mediaPath)), { recursive: true })
  await writeFile(path.join(nginxRoot, mediaPath), bytes)
  const nginxPort = await freePort()
  const nginx = await startNginx({ prefix: path.join(work, 'nginx'), root: nginxRoot, port: nginxPort, workers: nginxWorkers })
  children.push(nginx)
  const bases = { nginx: `http://127.0.0.1:${nginxPort}`, origin: originBase }
  await waitForHttp(bases.nginx + mediaPath, nginx)
  const pids = { nginx: nginx.pid ?? 0, origin: originPid }
  process.stdout.write(`\nmedia playlist ${mediaPath} (${bytes.length} bytes; nginx serves a snapshot from disk, worker_processes ${nginxWorkers}), ` +
    `${connections} connections, ${durationS}s x ${rounds} rounds each, alternating\n`)
  for (const client of clients) {
    await runLoad(client, bases.nginx + mediaPath, connections, 2)
    // the JIT needs a few seconds of traffic
    await runLoad(client, bases.origin + mediaPath, connections, 3)
    const results: Record<'nginx' | 'origin', Measured[]> = { nginx: [], origin: [] }
    const roundRatios: number[] = []
    for (let round = 0; round < rounds; round++) {
      // alternate who goes first so drift hits both alike
      const order = round % 2 === 0 ? ['nginx', 'origin'] as const : ['origin', 'nginx'] as const
      for (const who of order) {
        const cpuBefore = await cpuSeconds(pids[who])
        const load = await runLoad(client, bases[who] + mediaPath, connections, durationS)
        const cpu = await cpuSeconds(pids[who]) - cpuBefore
        results[who].push({ ...load, cpuUsPerRequest: cpu * 1e6 / Math.max(1, load.requestsPerSec * durationS) })
      }
      // a ratio per round pair, measured back to back, shrugs off load that comes and goes between rounds
      roundRatios.push((results.origin[round]?.requestsPerSec ?? 0) / Math.max(1, results.nginx[round]?.requestsPerSec ?? 0))
    }
    const n = summarize(results.nginx)
    const o = summarize(results.origin)
    process.stdout.write(`\n[${client}]\n`)
    process.stdout.write(row('', ['req/s', 'p50 ms', 'p99 ms', 'CPU us/req', 'non2xx', 'errors']))
    for (const [label, r] of [['nginx', n], ['origin', o]] as const) {
      process.stdout.write(row(label, [r.requestsPerSec.toFixed(0), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), r.cpuUsPerRequest.toFixed(0), String(r.non2xx), String(r.errors)]))
    }
    const sorted = [...roundRatios].sort((a, b) => a - b)
    process.stdout.write(`per-round origin/nginx req/s: ${roundRatios.map((r) => r.toFixed(2)).join(' ')} (median ${(sorted[Math.floor(sorted.length / 2)] ?? 0).toFixed(2)})\n`)
    process.stdout.write(`RATIO origin/nginx [${client}] media playlist: ${ratio(o.requestsPerSec, n.requestsPerSec)} req/s (aim >= 0.60), ` +
      `${ratio(o.p50Ms, n.p50Ms)} p50, ${ratio(o.p99Ms, n.p99Ms)} p99, ${ratio(o.cpuUsPerRequest, n.cpuUsPerRequest)} server CPU per request\n`)
  }
  process.stdout.write(`\nload average at the end ${loadavg()[0]?.toFixed(2)}\n`)
} finally {
  await cleanup()
}

interface Counts { readonly at: number, readonly packagerPlaylist: number, readonly originUpstreamPlaylist: number, readonly originCpuS: number }
interface Fetches { readonly packagerPlaylist: number, readonly originUpstreamPlaylist: number, readonly originCpu: number }

async function fetchCounts (packagers: readonly string[], originBase: string, originPid: number): Promise<Counts> {
  const texts = await Promise.all(packagers.map(scrape))
  const originText = await scrape(originBase)
  return {
    at: Date.now(),
    packagerPlaylist: texts.reduce((sum, text) => sum + sumCounter(text, 'packager_requests_total', { kind: 'playlist' }), 0),
    originUpstreamPlaylist: sumCounter(originText, 'origin_upstream_fetches_total', { kind: 'playlist' }),
    originCpuS: await cpuSeconds(originPid)
  }
}

function rates (before: Counts, after: Counts, fallbackS: number): Fetches {
  const seconds = after.at > before.at ? (after.at - before.at) / 1000 : fallbackS
  return {
    packagerPlaylist: (after.packagerPlaylist - before.packagerPlaylist) / seconds,
    originUpstreamPlaylist: (after.originUpstreamPlaylist - before.originUpstreamPlaylist) / seconds,
    originCpu: (after.originCpuS - before.originCpuS) / seconds
  }
}

function ratio (a: number, b: number): string {
  return b > 0 ? `${(a / b).toFixed(2)}x` : 'n/a'
}

function row (label: string, cells: string[]): string {
  return label.padEnd(9) + cells.map((c) => c.padStart(13)).join('') + '\n'
}
