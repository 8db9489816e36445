// The origin-replicas scenario, shared by the short run in `make test` (hls.js,
// test/integration/origin-replicas.test.ts) and the long tier's Shaka and video.js runs with their
// controls (test/chaos/long/origin-replicas-players.test.ts, `make test-long`).
import { createServer } from 'node:http'
import type { Test } from 'tap'
import { HlsBrowserPlayer, type PlayerKind, type PlayerReport } from '../chaos/hls-player.js'
import { startLocalStack, type LocalStack } from './local-stack.js'
import { waitFor } from './wait-for.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** How long origin a stays dead (issue 10, case 4). */
export const DOWN_MS = 20_000

/**
 * Gives the two replicas their own host names (a = 127.0.0.1, b = localhost, both loopback) before
 * they start. local-stack.ts names both 127.0.0.1: Shaka Player bans a failed location by host
 * name, port ignored, so on one host name a dead replica bans the live one with it (the control
 * below shows it). Real replicas have their own names; the local profile must too.
 */
export function distinctReplicaHosts (stack: LocalStack): { a: string, b: string } {
  const a = `http://127.0.0.1:${stack.ports.origin}`
  const b = `http://localhost:${stack.ports.origin2}`
  for (const name of ['origin', 'origin2'] as const) {
    // ServiceProcess reads its env at each start; local-stack.ts offers no hook for a value built from its ports
    const proc = stack.procs[name] as unknown as { options: { env: Record<string, string> } }
    proc.options.env = { ...proc.options.env, ORIGIN_PATHWAYS: `a=${a},b=${b}` }
  }
  return { a, b }
}

/**
 * A control entry: the master from origin a, rewritten by `rewrite`, served from its own port
 * (the variants keep their absolute URIs on the replicas). Shows what a player did before a fix.
 */
export async function controlEntry (t: Test, masterUrl: string, rewrite: (master: string) => string): Promise<string> {
  const server = createServer((_req, res) => {
    fetch(masterUrl).then(async (r) => await r.text()).then((body) => {
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-cache', 'access-control-allow-origin': '*' }).end(rewrite(body))
    }, () => { res.writeHead(502).end() })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise<void>((resolve) => { server.closeAllConnections(); server.close(() => resolve()) }) })
  const address = server.address()
  return `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/live01/playlist.m3u8`
}

export interface OriginDeath { report: PlayerReport, killedAt: number, hostA: string, hostB: string }

/** One player opens `entry`, plays from origin a, a is SIGKILLed for DOWN_MS and restarted. */
export async function watchOriginDeath (t: Test, stack: LocalStack, kind: PlayerKind, entry: string, hosts: { a: string, b: string }): Promise<OriginDeath> {
  await waitFor('origin a to serve live01 and its playlists', async () => {
    const master = await fetch(`${hosts.a}/live01/playlist.m3u8`)
    const media = await fetch(`${hosts.a}/live01/180p/playlist.m3u8`)
    return master.status === 200 && media.status === 200
  }, { timeoutMs: 60_000, intervalMs: 500 })
  const player = new HlsBrowserPlayer(entry, { kind })
  t.teardown(async () => { await player.close() })
  await player.start()
  await player.waitUntilPlaying(40_000)
  await sleep(4000)
  const killedAt = Date.now()
  stack.procs.origin.signal('SIGKILL')
  await sleep(DOWN_MS)
  await stack.procs.origin.start()
  await sleep(3000)
  const report = await player.close()
  const hostA = new URL(hosts.a).host
  const hostB = new URL(hosts.b).host
  t.comment(JSON.stringify({
    kind,
    stalls: report.stalls.map((s) => ({ at: s.at - killedAt, ms: s.ms })),
    errors: report.errors.map((e) => `${e.at - killedAt} ${e.details}${e.fatal ? ' FATAL' : ''} ${e.url ?? ''}`),
    failedRequests: report.httpErrors.length,
    servedBy: report.servedBy.map((s) => ({ host: s.host === hostA ? 'a' : s.host === hostB ? 'b' : s.host, first: s.first - killedAt, last: s.last - killedAt, count: s.count })),
    progressRatio: Number(report.progressRatio.toFixed(3))
  }))
  return { report, killedAt, hostA, hostB }
}

/** The zero-downtime promise: it started on a, moved to b, and the viewer saw nothing. */
export function assertRodeItOut (t: Test, { report, killedAt, hostA, hostB }: OriginDeath): void {
  t.ok(report.began, 'the player started on pathway a')
  const a = report.servedBy.find((s) => s.host === hostA)
  const b = report.servedBy.find((s) => s.host === hostB)
  t.ok(a !== undefined && a.first < killedAt, 'it played from origin a first')
  t.ok(b !== undefined && b.count > 5 && b.last > killedAt + 10_000, 'after the kill it played from origin b')
  t.same(report.stalls, [], '0 stalls')
  t.same(report.errors.filter((e) => e.fatal), [], '0 fatal player errors')
  t.ok(report.progressRatio > 0.9, `the playhead kept up with the wall clock (${report.progressRatio.toFixed(3)})`)
}

/** What a viewer notices: a stall, or a fatal error. */
export function sawTheDeath (report: PlayerReport): boolean {
  return report.stalls.length > 0 || report.errors.some((e) => e.fatal)
}

/** Starts the stack with two origin replicas on distinct host names and waits until both serve live01. */
export async function startReplicaStack (t: Test): Promise<{ stack: LocalStack, hosts: { a: string, b: string }, entryA: string, entryB: string, masters: string[] }> {
  const stack = await startLocalStack(t, {
    originReplicas: true,
    start: ['reporter', 'server1', 'server2', 'worker', 'discovery']
  })
  const hosts = distinctReplicaHosts(stack)
  await stack.procs.origin.start()
  await stack.procs.origin2.start()
  const entryA = `${hosts.a}/live01/playlist.m3u8`
  const entryB = `${hosts.b}/live01/playlist.m3u8`
  const masters = await waitFor('both replicas to serve live01', async () => {
    const answers = await Promise.all([entryA, entryB].map(async (url) => await fetch(url).then(async (r) => r.status === 200 ? await r.text() : undefined)))
    return answers.every((a) => a !== undefined) ? answers as string[] : undefined
  }, { timeoutMs: 60_000, intervalMs: 500 })
  return { stack, hosts, entryA, entryB, masters }
}

/**
 * Both replicas' media playlist for `count` MSNs in a row (2 s each), asked with `_HLS_msn` at the
 * same moment: byte for byte the same, as edges filling from either need. 5 MSNs in `make test`,
 * 30 (a minute) in the long tier.
 */
export async function compareReplicaPlaylists (t: Test, hosts: { a: string, b: string }, count: number): Promise<void> {
  const media = (host: string, msn?: number): string => `${host}/live01/180p/playlist.m3u8${msn === undefined ? '' : `?_HLS_msn=${msn}`}`
  const newest = Number(/(\d+)\.ts\s*$/.exec(await (await fetch(media(hosts.a))).text())?.[1])
  for (let msn = newest + 1; msn <= newest + count; msn++) {
    const [a = '', b] = await Promise.all([hosts.a, hosts.b].map(async (host) => await (await fetch(media(host, msn))).text()))
    t.equal(b, a, `msn ${msn}: the same ${a.length} bytes from both replicas`)
    t.match(a, new RegExp(`\\b${msn}\\.ts`), `msn ${msn}: listed`)
  }
}
