/**
 * `npm run bench:ll`: what LL-HLS costs and buys, side by side in one run. The same light stack
 * (reporter, two packagers, one worker, discovery, origin, edges) is started twice, in normal mode
 * (`make run-local`) and in LL mode (`make run-local-ll`), and watched by the same hls.js viewers
 * in headless Chromium (default config, then low-latency mode). Per mode it prints the viewers'
 * latency distribution (wall clock minus the PROGRAM-DATE-TIME on screen) and the origin's
 * requests per second per viewer, then LL against normal.
 *
 * BENCH_LL_VIEWERS=1..4 (default 2), BENCH_LL_SECONDS=20..300 (measured window, default 40).
 * Bounded: two stacks one after the other, each stopped (by PID) before the next.
 */
import { HlsBrowserPlayer, type PlayerReport } from '../chaos/hls-player.js'
import { envInt, say, teardownScope } from '../chaos/chaos-runner-kit.js'
import { startLocalStack } from '../support/local-stack.js'
import { HLSJS_LL_CONFIG, latencies, LL_ENV, waitForEdgeOffered } from '../support/ll-stack.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

interface ModeResult {
  readonly mode: 'normal' | 'll'
  readonly latency: readonly number[]
  readonly originRequestsPerSecond: number
  readonly viewers: number
  readonly stalls: number
}

/** Sum of the origin's http_requests_total over every route and status. */
async function originRequests (url: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text()
  let sum = 0
  for (const line of text.split('\n')) if (line.startsWith('http_requests_total{')) sum += Number(line.slice(line.lastIndexOf(' ') + 1))
  return sum
}

function quantile (sorted: readonly number[], q: number): number {
  return sorted.length === 0 ? Number.NaN : sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] as number
}

async function measure (mode: 'normal' | 'll', viewers: number, windowMs: number): Promise<ModeResult> {
  const { scope, runAll } = teardownScope()
  const players: HlsBrowserPlayer[] = []
  try {
    const stack = await startLocalStack(scope, {
      start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'edges'],
      ...(mode === 'll' ? { env: LL_ENV } : {})
    })
    const entry = `${stack.url('origin')}/live01/playlist.m3u8`
    await waitForEdgeOffered(entry)
    for (let i = 0; i < viewers; i++) {
      const player = new HlsBrowserPlayer(entry, mode === 'll' ? { config: HLSJS_LL_CONFIG } : {})
      players.push(player)
      await player.start()
    }
    await Promise.all(players.map(async (p) => await p.waitUntilPlaying(60_000)))
    // past the start, where players still settle on their distance from the live edge
    await sleep(10_000)
    const from = Date.now()
    const before = await originRequests(stack.url('origin'))
    await sleep(windowMs)
    const after = await originRequests(stack.url('origin'))
    const to = Date.now()
    const reports: PlayerReport[] = []
    for (const p of players) reports.push(await p.close())
    return {
      mode,
      viewers,
      latency: reports.flatMap((r) => latencies(r.samples, from, to)).sort((a, b) => a - b),
      originRequestsPerSecond: (after - before) / ((to - from) / 1000),
      stalls: reports.reduce((n, r) => n + r.stalls.length, 0)
    }
  } finally {
    for (const p of players) await p.close()
    await runAll()
  }
}

function row (r: ModeResult): string {
  const q = (x: number): string => quantile(r.latency, x).toFixed(2).padStart(6)
  return `${r.mode.padEnd(7)} ${String(r.latency.length).padStart(7)} ${q(0.1)} ${q(0.5)} ${q(0.9)} ${q(0.99)} ${r.originRequestsPerSecond.toFixed(2).padStart(10)} ${(r.originRequestsPerSecond / r.viewers).toFixed(2).padStart(10)} ${String(r.stalls).padStart(6)}`
}

async function main (): Promise<void> {
  const viewers = envInt('BENCH_LL_VIEWERS', 2, 1, 4)
  const windowMs = envInt('BENCH_LL_SECONDS', 40, 20, 300) * 1000
  say(`bench:ll: ${viewers} hls.js viewer(s) per mode, ${windowMs / 1000} s measured per mode, through the origin and its edges`)
  const normal = await measure('normal', viewers, windowMs)
  const ll = await measure('ll', viewers, windowMs)
  const lines = [
    'latency = wall clock - PROGRAM-DATE-TIME of the frame on screen, seconds, every 250 ms per viewer',
    'mode    samples    p10    p50    p90    p99  origin r/s  per viewer stalls',
    row(normal),
    row(ll),
    `LL / normal: median latency ${(quantile(ll.latency, 0.5) / quantile(normal.latency, 0.5)).toFixed(2)}x, origin requests per viewer ${((ll.originRequestsPerSecond / ll.viewers) / (normal.originRequestsPerSecond / normal.viewers)).toFixed(2)}x`
  ]
  process.stdout.write(lines.join('\n') + '\n')
}

await main()
