import { spawn, type ChildProcess } from 'node:child_process'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

/** The origin as in production: cmd/origin/main.ts in its own node process. */
export function startOrigin (options: { port: number, packagers: readonly string[], reporterUrl: string, signal: string, edgeAllowlist?: string, nodeArgs?: readonly string[] }): ChildProcess {
  return spawn(process.execPath, [...(options.nodeArgs ?? []), '--import', 'tsx', path.join(REPO, 'cmd/origin/main.ts')], {
    cwd: REPO,
    env: {
      ...process.env,
      ORIGIN_PORT: String(options.port),
      PACKAGER_ALLOWLIST: options.packagers.join(','),
      REPORTER_URL: options.reporterUrl,
      LIVE_SIGNAL_NAME: options.signal,
      ...(options.edgeAllowlist === undefined ? {} : { EDGE_ALLOWLIST: options.edgeAllowlist }),
      LOG_LEVEL: 'warn',
      LOG_PRETTY: 'false',
      NODE_NO_WARNINGS: '1'
    },
    stdio: ['ignore', 'inherit', 'inherit']
  })
}

/** Sum of a Prometheus counter's samples whose labels include every pair in `labels`. */
export function sumCounter (metricsText: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(name)) continue
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line)
    if (match === null || match[1] !== name) continue
    const have = new Map([...(match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)].map((m) => [m[1], m[2]]))
    if (Object.entries(labels).every(([k, v]) => have.get(k) === v)) total += Number(match[3])
  }
  return total
}

/** GET /metrics of a service, as text. */
export async function scrape (base: string): Promise<string> {
  const res = await fetch(`${base}/metrics`, { signal: AbortSignal.timeout(5000) })
  if (res.status !== 200) throw new Error(`${base}/metrics answered ${res.status}`)
  return await res.text()
}

export interface PlayersResult {
  readonly players: number
  readonly requests: number
  readonly requestsPerSec: number
  readonly non2xx: number
  readonly errors: number
  /** Times a player saw EXT-X-MEDIA-SEQUENCE go down (must be 0). */
  readonly msnRegressions: number
  readonly p50Ms: number
  readonly p99Ms: number
}

/** Simulated players polling the origin's media playlists, in their own process, for `durationS`. */
export function startPlayers (options: { urls: readonly string[], players: number, intervalMs: number, durationS: number }): { child: ChildProcess, result: Promise<PlayersResult> } {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/bench/origin-bench-players.ts'), JSON.stringify(options)], {
    cwd: REPO,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  const result = new Promise<PlayersResult>((resolve, reject) => {
    child.once('exit', (code) => {
      if (code !== 0) reject(new Error(`players child exited ${code}`))
      else resolve(JSON.parse(out) as PlayersResult)
    })
  })
  return { child, result }
}
