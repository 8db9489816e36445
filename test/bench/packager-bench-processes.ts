import { spawn, type ChildProcess } from 'node:child_process'
import { mkdir, readFile, writeFile } from 'node:fs/promises'
import path from 'node:path'
import { fileURLToPath } from 'node:url'

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..')

export { freePort } from '../support/free-port.js'

/** Polls until `url` answers 200 or the deadline passes. */
export async function waitForHttp (url: string, child: ChildProcess, deadlineMs = 20_000): Promise<void> {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (child.exitCode !== null) throw new Error(`process for ${url} exited with ${child.exitCode}`)
    try {
      const res = await fetch(url)
      await res.arrayBuffer()
      if (res.status === 200) return
    } catch { /* not up yet */ }
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  throw new Error(`${url} did not answer 200 within ${deadlineMs} ms`)
}

/** Stops a child by its PID and waits for it to exit. */
export async function stopChild (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise((resolve) => child.once('exit', resolve))
  process.kill(child.pid, 'SIGTERM')
  const timer = setTimeout(() => { if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL') }, 5000)
  await exited
  clearTimeout(timer)
}

/** Real nginx (daemon off, master on) on a temp prefix serving `root`. */
export async function startNginx (options: { prefix: string, root: string, port: number, workers: string }): Promise<ChildProcess> {
  const template = await readFile(path.join(REPO, 'assets/nginx-bench.conf.template'), 'utf8')
  await mkdir(options.prefix, { recursive: true })
  const conf = template
    .replaceAll('{{PREFIX}}', options.prefix)
    .replaceAll('{{ROOT}}', options.root)
    .replaceAll('{{PORT}}', String(options.port))
    .replaceAll('{{WORKERS}}', options.workers)
  const confPath = path.join(options.prefix, 'nginx.conf')
  await writeFile(confPath, conf)
  const child = spawn('/usr/sbin/nginx', ['-p', options.prefix, '-c', confPath, '-e', path.join(options.prefix, 'error.log')], { stdio: ['ignore', 'inherit', 'inherit'] })
  return child
}

/** The packager as in production: cmd/packager/main.ts in its own node process. */
export function startPackager (options: { root: string, port: number }): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'cmd/packager/main.ts')], {
    cwd: REPO,
    env: { ...process.env, PACKAGER_NAME: 'server1', PACKAGER_PORT: String(options.port), PACKAGER_ROOT: options.root, LOG_LEVEL: 'warn', LOG_PRETTY: 'false', NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'inherit', 'inherit']
  })
}

export type LoadClient = 'autocannon' | 'lean'

export interface LoadResult {
  readonly requestsPerSec: number
  readonly throughputMBps: number
  readonly p50Ms: number
  readonly p99Ms: number
  readonly non2xx: number
  readonly errors: number
}

/** CPU seconds (user + system) used so far by a process and its direct children (nginx workers). */
export async function cpuSeconds (pid: number): Promise<number> {
  const ticksPerS = 100 // USER_HZ on Linux
  const own = async (p: number): Promise<number> => {
    const stat = await readFile(`/proc/${p}/stat`, 'utf8').catch(() => '')
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return (Number(fields[11] ?? 0) + Number(fields[12] ?? 0)) / ticksPerS
  }
  const children = (await readFile(`/proc/${pid}/task/${pid}/children`, 'utf8').catch(() => '')).trim().split(/\s+/).filter((s) => s !== '').map(Number)
  let total = await own(pid)
  for (const child of children) total += await own(child)
  return total
}

/** Runs the load client in its own process, so both servers are loaded by an identical, separate client. */
export async function runLoad (client: LoadClient, url: string, connections: number, durationS: number): Promise<LoadResult> {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(REPO, 'test/bench/packager-bench-load.ts'), JSON.stringify({ url, connections, durationS, client })], {
    cwd: REPO,
    env: { ...process.env, NODE_NO_WARNINGS: '1' },
    stdio: ['ignore', 'pipe', 'inherit']
  })
  let out = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => { out += chunk })
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve))
  if (code !== 0) throw new Error(`load child exited ${code}`)
  return JSON.parse(out) as LoadResult
}
