import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { killEdgesIn } from './edges-test-helpers.js'
import { freePort } from './free-port.js'
import { makeSampleInput } from './sample-input.js'
import { ServiceProcess } from './service-process.js'
import { waitFor } from './wait-for.js'

export type ComponentName = 'reporter' | 'server1' | 'server2' | 'worker' | 'worker2' | 'discovery' | 'origin' | 'origin2' | 'edges' | 'edges2'

export interface StackPorts {
  readonly server1: number
  readonly server2: number
  readonly reporter: number
  readonly discovery: number
  readonly origin: number
  /** The second origin replica (see StackOptions.originReplicas). */
  readonly origin2: number
  readonly workerMetrics: number
  readonly worker2Metrics: number
  /** The edges manager's /healthz, /metrics and GET /edges. */
  readonly edges: number
  /** First port the edges manager tries for its nginx edges (it skips busy ones). */
  readonly edgesBase: number
  /** The second edges manager (secondEdgeHost): its /healthz and GET /edges, and its first edge port. */
  readonly edges2: number
  readonly edges2Base: number
}

export interface LocalStack {
  readonly dir: string
  readonly outputPath: string
  /** Where worker2 writes: the redundant-encoder profile points server2 here. */
  readonly outputPath2: string
  readonly ports: StackPorts
  /** Discovery's reporter token (REPORTER_DISCOVERY_TOKEN); the edges manager has its own. */
  readonly token: string
  /** EDGES_DIR of the edges manager: nginx prefixes, pid files and caches. */
  readonly edgesDir: string
  /** EDGES_DIR of the second edges manager (secondEdgeHost). */
  readonly edges2Dir: string
  readonly procs: Readonly<Record<ComponentName, ServiceProcess>>
  url: (name: 'server1' | 'server2' | 'reporter' | 'origin' | 'origin2' | 'edges' | 'edges2') => string
}

export interface StackOptions {
  /** Started in this order; the others are created but not started. */
  readonly start: readonly ComponentName[]
  /** Light by default: two cheap renditions keep a 2-core machine free for the rest of the stack. */
  readonly ladder?: string
  readonly env?: Readonly<Record<string, string>>
  /** Extra variables for single components, e.g. PACKAGER_ROOT for server2. */
  readonly componentEnv?: Partial<Record<ComponentName, Readonly<Record<string, string>>>>
  /** Redundant-encoder profile: worker2 feeds server2 from its own folder, server1 keeps worker's. */
  readonly redundantEncoders?: boolean
  /** Two origin replicas, offered to players as Content Steering pathways "a" (origin) and "b" (origin2). */
  readonly originReplicas?: boolean
  /**
   * A second edges manager (edges2, two edges) advertising its edges as `localhost`, as a second
   * edge host would: Shaka Player bans a failed host name with every port on it, so edges that all
   * say 127.0.0.1 fall together for it. The origin allows both managers' edges.
   */
  readonly secondEdgeHost?: boolean
}

/**
 * The real pipeline on 127.0.0.1 with free ports and a private output folder: each component is a
 * real entrypoint in its own process. Everything started is stopped in teardown.
 */
export async function startLocalStack (t: Test, options: StackOptions): Promise<LocalStack> {
  const dir = await mkdtemp(join(tmpdir(), 'hls-stack-'))
  const outputPath = join(dir, 'output')
  const outputPath2 = join(dir, 'output2')
  const inputPath = join(dir, 'input.mp4')
  await makeSampleInput(inputPath)
  let ports: StackPorts = {
    server1: await freePort(),
    server2: await freePort(),
    reporter: await freePort(),
    discovery: await freePort(),
    origin: await freePort(),
    origin2: await freePort(),
    workerMetrics: await freePort(),
    worker2Metrics: await freePort(),
    edges: await freePort(),
    edgesBase: await freeBasePort(),
    edges2: await freePort(),
    edges2Base: await freeBasePort()
  }
  // the two managers' port spans must not overlap
  while (Math.abs(ports.edges2Base - ports.edgesBase) < EDGE_PORT_SPAN) ports = { ...ports, edges2Base: await freeBasePort() }
  const edgesDir = join(dir, 'edges')
  const edges2Dir = join(dir, 'edges2')
  // one token per writer role, as `make run-local` makes them
  const token = 'integration-discovery-token'
  const edgesToken = 'integration-edges-token'
  const local = (port: number): string => `http://127.0.0.1:${port}`
  const packagers = `${local(ports.server1)},${local(ports.server2)}`
  const env: Record<string, string> = {
    HOST: '127.0.0.1',
    OUTPUT_STREAM_PATH: outputPath,
    INPUT_STREAM_PATH: inputPath,
    LIVE_SIGNAL_NAME: 'live01',
    SERVER_ONE_PORT: String(ports.server1),
    SERVER_TWO_PORT: String(ports.server2),
    REPORTER_PORT: String(ports.reporter),
    REPORTER_URL: local(ports.reporter),
    REPORTER_DISCOVERY_TOKEN: token,
    REPORTER_EDGES_TOKEN: edgesToken,
    // shared, so the origin's default EDGE_ALLOWLIST covers the edges manager's ports
    EDGES_BASE_PORT: String(ports.edgesBase),
    ORIGIN_PORT: String(ports.origin),
    DISCOVERY_PORT: String(ports.discovery),
    WORKER_METRICS_PORT: String(ports.workerMetrics),
    PACKAGER_URLS: packagers,
    PACKAGER_ALLOWLIST: packagers,
    LADDER: options.ladder ?? '360p:640x360:500,180p:320x180:200',
    VIDEO_PRESET: 'ultrafast',
    DISCOVERY_RUN_FREQUENCY: '500ms',
    ...(options.originReplicas === true ? { ORIGIN_PATHWAYS: `a=${local(ports.origin)},b=${local(ports.origin2)}` } : {}),
    ...(options.secondEdgeHost === true ? { EDGE_ALLOWLIST: `${edgeRange('127.0.0.1', ports.edgesBase)},${edgeRange('localhost', ports.edges2Base)}` } : {}),
    ...options.env
  }
  const make = (name: ComponentName, entry: string, healthPort: number | undefined, extra: Record<string, string> = {}): ServiceProcess =>
    new ServiceProcess({ name, entry, env: { ...env, ...extra, ...options.componentEnv?.[name] }, ...(healthPort === undefined ? {} : { healthPort }) })
  // with replicas, an edge fills from the next one when one fails
  const edgesEnv: Record<string, string> = {
    EDGES_MIN: '3',
    EDGES_MAX: '3',
    EDGE_TTL: '5s',
    EDGE_HEARTBEAT: '1s',
    ORIGIN_URL: options.originReplicas === true ? `${local(ports.origin)},${local(ports.origin2)}` : local(ports.origin)
  }
  const server2Root: Record<string, string> = options.redundantEncoders === true ? { PACKAGER_ROOT: outputPath2 } : {}
  const procs: Record<ComponentName, ServiceProcess> = {
    reporter: make('reporter', 'cmd/reporter/main.ts', ports.reporter),
    server1: make('server1', 'cmd/packager/main.ts', ports.server1, { PACKAGER_NAME: 'server1' }),
    server2: make('server2', 'cmd/packager/main.ts', ports.server2, { PACKAGER_NAME: 'server2', ...server2Root }),
    worker: make('worker', 'cmd/worker/main.ts', ports.workerMetrics),
    worker2: make('worker2', 'cmd/worker/main.ts', ports.worker2Metrics, { OUTPUT_STREAM_PATH: outputPath2, WORKER_METRICS_PORT: String(ports.worker2Metrics) }),
    discovery: make('discovery', 'cmd/discovery/main.ts', ports.discovery),
    origin: make('origin', 'cmd/origin/main.ts', ports.origin),
    origin2: make('origin2', 'cmd/origin/main.ts', ports.origin2, { ORIGIN_PORT: String(ports.origin2) }),
    // three edges that do not scale by default, so tests see a fixed set unless they ask otherwise
    edges: make('edges', 'cmd/edges/main.ts', ports.edges, { ...edgesEnv, EDGES_PORT: String(ports.edges), EDGES_DIR: edgesDir }),
    edges2: make('edges2', 'cmd/edges/main.ts', ports.edges2, {
      ...edgesEnv,
      EDGES_PORT: String(ports.edges2),
      EDGES_DIR: edges2Dir,
      EDGES_BASE_PORT: String(ports.edges2Base),
      EDGE_PUBLIC_HOST: 'localhost',
      EDGES_MIN: '2',
      EDGES_MAX: '2'
    })
  }
  t.teardown(async () => {
    await Promise.all(Object.values(procs).map(async (p) => await p.stop()))
    // nginx runs in its own session under a watchdog: a manager that did not close leaves it serving
    await killEdgesIn(edgesDir)
    await killEdgesIn(edges2Dir)
    await rm(dir, { recursive: true, force: true })
  })
  // all at once, as after a host reboot: each service waits for its peers by itself, and the worker's
  // first segments (what the origin waits for) start seconds earlier than in a one-by-one start
  await Promise.all(options.start.map(async (name) => { await procs[name].start() }))
  return {
    dir,
    outputPath,
    outputPath2,
    ports,
    token,
    edgesDir,
    edges2Dir,
    procs,
    url: (name) => local(ports[name])
  }
}

// the manager's default EDGES_PORT_SPAN for EDGES_MAX 3
const EDGE_PORT_SPAN = 16

/** The EDGE_ALLOWLIST entry for one manager's edge ports from `base`. */
function edgeRange (host: string, base: number): string {
  return `http://${host}:${base}-${base + EDGE_PORT_SPAN - 1}`
}

// edge ports run upward from the base: keep a little room below 65536
async function freeBasePort (): Promise<number> {
  return await freePort(EDGE_PORT_SPAN)
}

/** Both packagers eligible again at the origin (its metrics say so): the next fault may take the other one. */
export async function bothPackagersEligible (stack: LocalStack): Promise<void> {
  await waitFor('both packagers eligible at the origin', async () => {
    const metrics = await (await fetch(`${stack.url('origin')}/metrics`, { signal: AbortSignal.timeout(2000) })).text()
    return (metrics.match(/^origin_packager_eligible\{signal="live01",[^}]*\} 1$/gm) ?? []).length === 2
  }, { timeoutMs: 45_000, intervalMs: 500 })
}
