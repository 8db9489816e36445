// Child process of test/bench/origin-bench.ts: N players polling media playlists; result as JSON on stdout.
import { Client } from 'undici'
import type { PlayersResult } from './origin-bench-processes.js'

const { urls, players, intervalMs, durationS } = JSON.parse(process.argv[2] ?? '{}') as { urls: string[], players: number, intervalMs: number, durationS: number }
const deadline = Date.now() + durationS * 1000
const latencies: number[] = []
let non2xx = 0
let errors = 0
let msnRegressions = 0
const started = Date.now()

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

// each player has its own keep-alive connection, as separate viewers do, and a random phase
async function player (index: number): Promise<void> {
  const url = new URL(urls[index % urls.length] as string)
  const client = new Client(url.origin, { keepAliveTimeout: 30_000 })
  let lastSequence = -1
  try {
    await sleep(Math.random() * intervalMs)
    while (Date.now() < deadline) {
      const sentAt = performance.now()
      try {
        const res = await client.request({ method: 'GET', path: url.pathname, headersTimeout: 10_000, bodyTimeout: 10_000 })
        const text = await res.body.text()
        latencies.push(performance.now() - sentAt)
        if (res.statusCode !== 200 || !text.startsWith('#EXTM3U')) {
          non2xx++
        } else {
          const sequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? -1)
          if (sequence < lastSequence) msnRegressions++
          lastSequence = Math.max(lastSequence, sequence)
        }
      } catch {
        errors++
      }
      const next = sentAt + intervalMs - performance.now()
      if (next > 0) await sleep(Math.min(next, Math.max(0, deadline - Date.now())))
    }
  } finally {
    await client.close().catch(() => {})
  }
}

await Promise.all(Array.from({ length: players }, async (_, i) => { await player(i) }))
latencies.sort((a, b) => a - b)
const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
const result: PlayersResult = {
  players,
  requests: latencies.length,
  requestsPerSec: latencies.length / ((Date.now() - started) / 1000),
  non2xx,
  errors,
  msnRegressions,
  p50Ms: pick(0.5),
  p99Ms: pick(0.99)
}
process.stdout.write(JSON.stringify(result))
