import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { FLEET_TOKENS } from '../support/fleet-stack.js'
import { ServiceProcess } from '../support/service-process.js'
import { makeCounterInput } from '../support/worker-test-helpers.js'
import { waitFor } from '../support/wait-for.js'
import { Topology } from './netns-topology.js'

/** The hosts of the layout (README "Several hosts"); the machine's own namespace is the viewer. */
export const HOSTS = ['enc1', 'enc2', 'registry', 'origin1', 'origin2', 'edges'] as const
export type HostName = typeof HOSTS[number]

// every host has its own port space: each service keeps its default port
const PORTS = { packager: 8080, reporter: 2000, discovery: 2001, origin: 8001, edges: 2002, edgeBase: 8101, redis: 6379 } as const
// a registry reachable from other hosts takes a password, as on real machines (Redis refuses remote clients without one)
const REDIS_PASSWORD = 'hosts-registry-password'
const LIBFAKETIME = '/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1'

export interface HostsStackOptions {
  /** false: no edges host (the short test watches the origins themselves). */
  readonly edges?: boolean
  /** enc1's clock this far ahead (libfaketime), for its worker and packager and their ffmpeg. */
  readonly enc1ClockAheadMs?: number
  /** The control: origin2 follows enc1 alone and fails over to nothing (ORIGIN_TEST_ONLY_NO_FAILOVER). */
  readonly origin2NoFailover?: boolean
}

export interface HostsStack {
  readonly topology: Topology
  readonly dir: string
  readonly procs: ReadonlyMap<string, ServiceProcess>
  /** http://<address>:<port> of a service on its host. */
  readonly url: (service: 'origin1' | 'origin2' | 'reporter1' | 'reporter2' | 'packager1' | 'packager2' | 'edges') => string
  /** What players open: origin1's entry URL. */
  readonly entry: string
  /** Stops every process, then removes every namespace and link; says what was left behind. */
  readonly stop: () => Promise<string[]>
}

/** Debian's redis-server inside the registry host, on its address; signals go to its PID. */
function startRedis (netns: string, address: string, dir: string): ChildProcess {
  return spawn('ip', ['netns', 'exec', netns, 'setpriv', '--pdeathsig', 'KILL', '--', '/usr/bin/redis-server',
    '--port', String(PORTS.redis), '--bind', address, '--requirepass', REDIS_PASSWORD, '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' })
}

/**
 * The pipeline spread over network namespaces (test/hosts/netns-topology.ts), each part from its
 * normal entrypoint with the variables a real host would set: two encoder hosts (a fleet worker and
 * its packager each), the registry host (Redis), two origin hosts (a reporter and an origin each,
 * discovery on the first, the origins offered as Content Steering pathways a and b), and an edges
 * host whose edges fill from either origin. One stream, live01, redundancy 2, loops a counter clip
 * whose frames carry their own number.
 */
export async function startHostsStack (options: HostsStackOptions = {}): Promise<HostsStack> {
  const names = HOSTS.filter((h) => h !== 'edges' || options.edges !== false)
  const topology = await Topology.create(names)
  const dir = await mkdtemp(join(tmpdir(), 'hosts-stack-'))
  const procs = new Map<string, ServiceProcess>()
  let redis: ChildProcess | undefined
  const addr = (h: HostName): string => topology.host(h).address
  const at = (h: HostName, port: number): string => `http://${addr(h)}:${port}`
  const stop = async (): Promise<string[]> => {
    for (const p of [...procs.values()].reverse()) await p.stop().catch(() => {})
    if (redis?.pid !== undefined && redis.exitCode === null) {
      const exited = new Promise((resolve) => redis?.once('exit', resolve))
      redis.kill('SIGKILL')
      await exited
    }
    await topology.destroy()
    await rm(dir, { recursive: true, force: true })
    return await topology.leftovers()
  }
  try {
    const input = join(dir, 'input.mp4')
    await makeCounterInput(input, 8)
    await writeFile(join(dir, 'streams.json'), JSON.stringify([{ name: 'live01', source: { file: input }, ladder: '180p:320x180:200,144p:256x144:120', redundancy: 2 }]))
    redis = startRedis(topology.host('registry').netns, addr('registry'), dir)
    await waitFor('Redis on the registry host', async () => {
      const client = new Redis({ host: addr('registry'), port: PORTS.redis, password: REDIS_PASSWORD, lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0, connectTimeout: 1000 })
      client.on('error', () => {})
      try { await client.connect(); return await client.ping() === 'PONG' } catch { return false } finally { client.disconnect() }
    }, { timeoutMs: 15_000, intervalMs: 200 })

    const reporters = [at('origin1', PORTS.reporter), at('origin2', PORTS.reporter)].join(',')
    const packagers = [at('enc1', PORTS.packager), at('enc2', PORTS.packager)].join(',')
    const start = async (name: string, host: HostName, entry: string, port: number | undefined, env: Record<string, string>): Promise<void> => {
      const proc = new ServiceProcess({
        name, entry, netns: topology.host(host).netns, healthHost: addr(host), ...(port === undefined ? {} : { healthPort: port }),
        env: { HOST: addr(host), REPORTER_URL: reporters, VIDEO_PRESET: 'ultrafast', ...env }
      })
      procs.set(name, proc)
      await proc.start()
    }
    for (const [i, host] of (['origin1', 'origin2'] as const).entries()) {
      await start(`reporter${i + 1}`, host, 'cmd/reporter/main.ts', PORTS.reporter, {
        ...FLEET_TOKENS, REGISTRY_URL: `redis://:${REDIS_PASSWORD}@${addr('registry')}:${PORTS.redis}`, STREAMS_FILE: join(dir, 'streams.json'), ASSIGNER_INTERVAL: '500ms', ASSIGNER_SETTLE: '2000ms'
      })
    }
    const skew = options.enc1ClockAheadMs ?? 0
    for (const [i, host] of (['enc1', 'enc2'] as const).entries()) {
      const clock: Record<string, string> = host === 'enc1' && skew !== 0 ? { LD_PRELOAD: LIBFAKETIME, FAKETIME: `+${(skew / 1000).toFixed(3)}`, FAKETIME_DONT_FAKE_MONOTONIC: '1' } : {}
      const output = join(dir, host)
      await start(`packager${i + 1}`, host, 'cmd/packager/main.ts', PORTS.packager, { ...clock, PACKAGER_NAME: host, PACKAGER_PORT: String(PORTS.packager), PACKAGER_ROOT: output })
      await start(`worker${i + 1}`, host, 'cmd/worker/main.ts', undefined, {
        ...clock, REPORTER_WORKER_TOKEN: FLEET_TOKENS.REPORTER_WORKER_TOKEN, WORKER_ID: `w${i + 1}`, WORKER_HOST: host, WORKER_CAPACITY: '2',
        WORKER_HEARTBEAT: '500ms', WORKER_PACKAGER_URL: at(host, PORTS.packager), OUTPUT_STREAM_PATH: output, WORKER_METRICS_PORT: '0'
      })
    }
    await start('discovery', 'origin1', 'cmd/discovery/main.ts', PORTS.discovery, {
      REPORTER_DISCOVERY_TOKEN: FLEET_TOKENS.REPORTER_DISCOVERY_TOKEN, DISCOVERY_RUN_FREQUENCY: '500ms', OUTPUT_STREAM_PATH: join(dir, 'discovery')
    })
    const edgeAllow: Record<string, string> = options.edges === false ? {} : { EDGE_ALLOWLIST: `http://${addr('edges')}:${PORTS.edgeBase}-${PORTS.edgeBase + 15}` }
    for (const [i, host] of (['origin1', 'origin2'] as const).entries()) {
      await start(`origin${i + 1}`, host, 'cmd/origin/main.ts', PORTS.origin, {
        PACKAGER_ALLOWLIST: packagers, REPORTER_POLL_INTERVAL: '500ms', ORIGIN_PATHWAYS: `a=${at('origin1', PORTS.origin)},b=${at('origin2', PORTS.origin)}`, ...edgeAllow,
        ...(options.origin2NoFailover === true && host === 'origin2' ? { ORIGIN_TEST_ONLY_NO_FAILOVER: '1' } : {})
      })
    }
    if (options.edges !== false) {
      await start('edges', 'edges', 'cmd/edges/main.ts', PORTS.edges, {
        REPORTER_EDGES_TOKEN: FLEET_TOKENS.REPORTER_EDGES_TOKEN, EDGES_DIR: join(dir, 'edges'), EDGES_MIN: '2', EDGES_MAX: '2', EDGE_HEARTBEAT: '1s', EDGE_TTL: '5s',
        EDGE_PUBLIC_HOST: addr('edges'), ORIGIN_URL: `${at('origin1', PORTS.origin)},${at('origin2', PORTS.origin)}`
      })
    }
    const url: HostsStack['url'] = (service) => ({
      origin1: at('origin1', PORTS.origin),
      origin2: at('origin2', PORTS.origin),
      reporter1: at('origin1', PORTS.reporter),
      reporter2: at('origin2', PORTS.reporter),
      packager1: at('enc1', PORTS.packager),
      packager2: at('enc2', PORTS.packager),
      edges: options.edges === false ? '' : at('edges', PORTS.edges)
    })[service]
    return { topology, dir, procs, url, entry: `${url('origin1')}/live01/playlist.m3u8`, stop }
  } catch (err) {
    const left = await stop()
    throw new Error(`${err instanceof Error ? err.message : String(err)}${left.length > 0 ? ` (left behind: ${left.join(', ')})` : ''}`)
  }
}
