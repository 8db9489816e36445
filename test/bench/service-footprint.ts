// What each service costs to run: the TypeScript source through tsx (as development and tests run
// it) against the compiled build/ with plain node (as run-local, the image and compose run it),
// side by side in one run. For each service: time from spawn to the first /healthz 200, the RSS at
// that moment, and the RSS once the whole stack has run for a while.
//
//   make build && npx tsx test/bench/service-footprint.ts [rounds=3] [settleSeconds=15]
//
// Both stacks are started the same way, one after the other, rounds interleaved; medians are
// printed. RSS is the service's own process plus its node helpers (tsx's esbuild service counts to
// tsx), never its ffmpeg or nginx children, which are the same either way.
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { killEdgesIn } from '../support/edges-test-helpers.js'
import { freePort } from '../support/free-port.js'
import { makeSampleInput } from '../support/sample-input.js'
import { PROJECT_ROOT } from '../support/project-root.js'

type Mode = 'tsx' | 'compiled'
const SERVICES = ['reporter', 'packager', 'worker', 'discovery', 'origin', 'edges'] as const
type Service = typeof SERVICES[number]
interface Sample { readonly readyMs: number, readonly readyRssMb: number, settledRssMb: number }

const rounds = Number(process.argv[2] ?? 3)
const settleMs = Number(process.argv[3] ?? 15) * 1000
const NOT_COUNTED = new Set(['ffmpeg', 'nginx'])

function command (mode: Mode, service: Service): string[] {
  return mode === 'tsx' ? ['--import', 'tsx', `cmd/${service}/main.ts`] : [`build/cmd/${service}/main.js`]
}

/** RSS in MB of `pid` and its descendants, leaving out ffmpeg and nginx (the media work itself). */
function treeRssMb (pid: number): number {
  const children = new Map<number, number[]>()
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1])
      children.set(ppid, [...(children.get(ppid) ?? []), Number(name)])
    } catch {}
  }
  let kb = 0
  const visit = (p: number): void => {
    try {
      const status = readFileSync(`/proc/${p}/status`, 'utf8')
      const comm = /^Name:\s+(\S+)/m.exec(status)?.[1] ?? ''
      if (NOT_COUNTED.has(comm)) return
      kb += Number(/^VmRSS:\s+(\d+)/m.exec(status)?.[1] ?? 0)
    } catch { return }
    for (const child of children.get(p) ?? []) visit(child)
  }
  visit(pid)
  return kb / 1024
}

async function healthy (port: number): Promise<boolean> {
  const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)
  await res?.body?.cancel()
  return res?.status === 200
}

/** One stack in one mode: each service started after the previous one is healthy. */
async function runStack (mode: Mode, inputPath: string): Promise<Record<Service, Sample>> {
  const dir = await mkdtemp(join(tmpdir(), `footprint-${mode}-`))
  const ports: Record<Service, number> = {
    reporter: await freePort(), packager: await freePort(), worker: await freePort(),
    discovery: await freePort(), origin: await freePort(), edges: await freePort()
  }
  const edgesBase = 20_000 + Math.floor(Math.random() * 20_000)
  const local = (port: number): string => `http://127.0.0.1:${port}`
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    LOG_PRETTY: '0',
    HOST: '127.0.0.1',
    OUTPUT_STREAM_PATH: join(dir, 'output'),
    INPUT_STREAM_PATH: inputPath,
    LIVE_SIGNAL_NAME: 'live01',
    PACKAGER_NAME: 'server1',
    SERVER_ONE_PORT: String(ports.packager),
    REPORTER_PORT: String(ports.reporter),
    REPORTER_URL: local(ports.reporter),
    REPORTER_DISCOVERY_TOKEN: 'footprint-discovery-token',
    REPORTER_EDGES_TOKEN: 'footprint-edges-token',
    ORIGIN_PORT: String(ports.origin),
    ORIGIN_URL: local(ports.origin),
    DISCOVERY_PORT: String(ports.discovery),
    WORKER_METRICS_PORT: String(ports.worker),
    PACKAGER_URLS: local(ports.packager),
    PACKAGER_ALLOWLIST: local(ports.packager),
    LADDER: '360p:640x360:500,180p:320x180:200',
    VIDEO_PRESET: 'ultrafast',
    EDGES_PORT: String(ports.edges),
    EDGES_BASE_PORT: String(edgesBase),
    EDGES_DIR: join(dir, 'edges'),
    EDGES_MIN: '2',
    EDGES_MAX: '2'
  }
  // a footprint, not a test: no tap loaders in the children
  delete env.NODE_OPTIONS
  const children: ChildProcess[] = []
  const samples: Partial<Record<Service, Sample>> = {}
  try {
    for (const service of SERVICES) {
      const started = performance.now()
      const child = spawn(process.execPath, command(mode, service), { cwd: PROJECT_ROOT, env, stdio: 'ignore', detached: true })
      children.push(child)
      for (;;) {
        if (child.exitCode !== null) throw new Error(`${mode} ${service} exited with ${child.exitCode}`)
        if (await healthy(ports[service])) break
        if (performance.now() - started > 60_000) throw new Error(`${mode} ${service}: no /healthz 200 within 60 s`)
        await new Promise((resolve) => setTimeout(resolve, 20))
      }
      const readyMs = performance.now() - started
      samples[service] = { readyMs, readyRssMb: treeRssMb(child.pid as number), settledRssMb: 0 }
    }
    await new Promise((resolve) => setTimeout(resolve, settleMs))
    SERVICES.forEach((service, i) => { (samples[service] as Sample).settledRssMb = treeRssMb(children[i]?.pid as number) })
    return samples as Record<Service, Sample>
  } finally {
    await Promise.all(children.reverse().map(async (child) => await stop(child)))
    await killEdgesIn(join(dir, 'edges'))
    await rm(dir, { recursive: true, force: true })
  }
}

// SIGTERM to the service alone (it stops its own ffmpeg/nginx), then its whole group after 8 s
async function stop (child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null || child.pid === undefined) return
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  child.kill('SIGTERM')
  const timer = setTimeout(() => { try { process.kill(-(child.pid as number), 'SIGKILL') } catch {} }, 8000)
  await exited
  clearTimeout(timer)
  try { process.kill(-(child.pid as number), 'SIGKILL') } catch {}
}

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2
}

function table (runs: Record<Mode, Array<Record<Service, Sample>>>): string {
  const pick = (mode: Mode, service: Service, field: keyof Sample): number => median(runs[mode].map((r) => r[service][field]))
  const cells = (service: Service, field: keyof Sample, digits: number): string[] => {
    const before = pick('tsx', service, field)
    const after = pick('compiled', service, field)
    return [before.toFixed(digits), after.toFixed(digits), `${(after / before).toFixed(2)}×`]
  }
  const header = ['service', 'ready ms tsx', 'compiled', 'ratio', 'RSS@ready MB tsx', 'compiled', 'ratio', `RSS@+${settleMs / 1000}s MB tsx`, 'compiled', 'ratio']
  const rows = SERVICES.map((s) => [s, ...cells(s, 'readyMs', 0), ...cells(s, 'readyRssMb', 1), ...cells(s, 'settledRssMb', 1)])
  const line = (cols: string[]): string => `| ${cols.join(' | ')} |`
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n')
}

if (!existsSync(join(PROJECT_ROOT, 'build/cmd/reporter/main.js'))) {
  process.stderr.write('no build/: run `make build` first\n')
  process.exit(2)
}
const work = await mkdtemp(join(tmpdir(), 'footprint-'))
const inputPath = join(work, 'input.mp4')
await makeSampleInput(inputPath)
const runs: Record<Mode, Array<Record<Service, Sample>>> = { tsx: [], compiled: [] }
try {
  for (let round = 1; round <= rounds; round++) {
    // alternate which goes first, so neither always meets a warmer machine
    const order: Mode[] = round % 2 === 1 ? ['tsx', 'compiled'] : ['compiled', 'tsx']
    for (const mode of order) {
      process.stderr.write(`round ${round}/${rounds}: ${mode}…\n`)
      runs[mode].push(await runStack(mode, inputPath))
    }
  }
} finally {
  await rm(work, { recursive: true, force: true })
}
process.stdout.write(`${table(runs)}\n\nmedian of ${rounds} round(s) per mode; node ${process.version}, ${new Date().toISOString()}\n`)
