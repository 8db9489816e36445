import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from './free-port.js'
import { RedisServer } from './redis-server.js'
import { startSentinelSet, type SentinelSet } from './redis-sentinel-set.js'
import { makeSampleInput } from './sample-input.js'
import { ServiceProcess } from './service-process.js'
import { waitFor } from './wait-for.js'

/** The reporter's writer tokens, one per role, as `make run-local-multi` makes them. */
export const FLEET_TOKENS = {
  REPORTER_DISCOVERY_TOKEN: 'fleet-discovery-token',
  REPORTER_EDGES_TOKEN: 'fleet-edges-token',
  REPORTER_WORKER_TOKEN: 'fleet-worker-token',
  REPORTER_OPERATOR_TOKEN: 'fleet-operator-token',
  REPORTER_INGEST_TOKEN: 'fleet-ingest-token'
} as const

export interface FleetStackOptions {
  /** Stream names; each loops the sample input with `ladder`, redundancy 2. */
  readonly streams: readonly string[]
  readonly workers: number
  readonly capacity: number
  readonly ladder?: string
  readonly heartbeatMs?: number
  /** Also start `origin2` with failover switched off (the control of a fault test). */
  readonly controlOrigin?: boolean
  /** Reporters over the one Redis (default 1); every client is given all of them in REPORTER_URL. */
  readonly reporters?: number
  /** The registry is a Sentinel set (master, replica, three sentinels) instead of one Redis. */
  readonly sentinel?: boolean
  /** Every stream is a live push with this key prefix (`<prefix>-<stream>`), and this many ingest nodes take them. */
  readonly push?: { readonly keyPrefix: string, readonly ingests: number, readonly srt?: boolean }
}

export interface FleetStack {
  readonly dir: string
  /** The one Redis, or with `sentinel` the master it started with. */
  readonly redis: RedisServer
  readonly sentinel: SentinelSet | undefined
  /** The first reporter; `reporters` holds them all. */
  readonly reporter: ServiceProcess
  readonly reporters: readonly ServiceProcess[]
  readonly workers: ReadonlyMap<string, ServiceProcess>
  readonly packagers: ReadonlyMap<string, ServiceProcess>
  readonly discovery: ServiceProcess
  readonly origin: ServiceProcess
  readonly origin2: ServiceProcess | undefined
  /** With `push`: the ingest nodes, each with its RTMP port, and with `srt` the first one's SRT port per stream. */
  readonly ingests: ReadonlyArray<{ readonly process: ServiceProcess, readonly rtmpPort: number, readonly srtPorts: ReadonlyMap<string, number> }>
  readonly ports: { readonly reporter: number, readonly reporters: readonly number[], readonly origin: number, readonly origin2: number, readonly packagers: ReadonlyMap<string, number> }
  /** The worker TTL the reporter holds each registration for. */
  readonly workerTtlMs: number
  /** GET on a reporter (the first by default), parsed. */
  get: <T>(path: string, reporter?: number) => Promise<T>
  /** Every stream's live workers, by stream. */
  placement: (reporter?: number) => Promise<Record<string, string[]>>
  /** Stops every process it started and removes its folder; idempotent. */
  stop: () => Promise<void>
}

/**
 * The fleet of `make run-local-multi` on free ports: Debian's redis-server as the registry, the
 * reporter (and its assigner), `workers` fleet workers each writing its own folder that its own
 * packager serves, discovery probing each stream's packagers, and the origin allowed every
 * packager. Each part is its real entrypoint in its own process group.
 */
export async function startFleetStack (options: FleetStackOptions): Promise<FleetStack> {
  const dir = await mkdtemp(join(tmpdir(), 'fleet-stack-'))
  const started: Array<{ stop: () => Promise<void> }> = []
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= (async () => {
      for (const part of [...started].reverse()) await part.stop().catch(() => {})
      await rm(dir, { recursive: true, force: true })
    })()
    await stopping
  }
  try {
    const input = join(dir, 'input.mp4')
    await makeSampleInput(input)
    const ladder = options.ladder ?? '180p:320x180:200'
    const push = options.push
    await writeFile(join(dir, 'streams.json'), JSON.stringify(options.streams.map((name) => push === undefined
      ? { name, source: { file: input }, ladder, redundancy: 2 }
      : { name, source: { push: true }, ladder, redundancy: 2, stream_key: `${push.keyPrefix}-${name}` })))
    const heartbeatMs = options.heartbeatMs ?? 500
    const sentinel = options.sentinel === true ? await startSentinelSet() : undefined
    const redis = sentinel?.master ?? await RedisServer.start()
    started.push(sentinel ?? redis)
    const registryUrl = sentinel?.url ?? redis.url
    const reporterPorts: number[] = []
    for (let i = 0; i < (options.reporters ?? 1); i++) reporterPorts.push(await freePort())
    const ports = { reporter: reporterPorts[0] ?? 0, reporters: reporterPorts, origin: await freePort(), origin2: await freePort(), discovery: await freePort() }
    const reporterUrls = reporterPorts.map((port) => `http://127.0.0.1:${port}`)
    const common = { HOST: '127.0.0.1', REPORTER_URL: reporterUrls.join(','), VIDEO_PRESET: 'ultrafast' }
    const run = async (name: string, entry: string, env: Record<string, string>, healthPort?: number): Promise<ServiceProcess> => {
      const process = new ServiceProcess({ name, entry, env: { ...common, ...env }, ...(healthPort === undefined ? {} : { healthPort }) })
      started.push(process)
      await process.start()
      return process
    }
    const reporters: ServiceProcess[] = []
    for (const [i, port] of reporterPorts.entries()) {
      reporters.push(await run(i === 0 ? 'reporter' : `reporter${i + 1}`, 'cmd/reporter/main.ts', {
        ...FLEET_TOKENS, REPORTER_PORT: String(port), REGISTRY_URL: registryUrl, STREAMS_FILE: join(dir, 'streams.json'), ASSIGNER_INTERVAL: '500ms', ASSIGNER_SETTLE: `${2 * heartbeatMs + 1000}ms`
      }, port))
    }
    const reporter = reporters[0] as ServiceProcess
    const packagers = new Map<string, ServiceProcess>()
    const workers = new Map<string, ServiceProcess>()
    const packagerUrls: string[] = []
    const packagerPorts = new Map<string, number>()
    for (let i = 1; i <= options.workers; i++) {
      const id = `w${i}`
      const port = await freePort()
      const output = join(dir, id)
      packagerUrls.push(`http://127.0.0.1:${port}`)
      packagerPorts.set(id, port)
      packagers.set(id, await run(`packager-${id}`, 'cmd/packager/main.ts', { PACKAGER_NAME: id, PACKAGER_PORT: String(port), PACKAGER_ROOT: output }, port))
      workers.set(id, await run(id, 'cmd/worker/main.ts', {
        REPORTER_WORKER_TOKEN: FLEET_TOKENS.REPORTER_WORKER_TOKEN, WORKER_ID: id, WORKER_HOST: `host-${id}`, WORKER_CAPACITY: String(options.capacity),
        WORKER_HEARTBEAT: `${heartbeatMs}ms`, WORKER_PACKAGER_URL: `http://127.0.0.1:${port}`, OUTPUT_STREAM_PATH: output, WORKER_METRICS_PORT: '0'
      }))
    }
    const ingests: Array<{ process: ServiceProcess, rtmpPort: number, srtPorts: ReadonlyMap<string, number> }> = []
    for (let i = 1; i <= (push?.ingests ?? 0); i++) {
      const [rtmpPort, port] = [await freePort(), await freePort()]
      const srtPorts = new Map<string, number>()
      if (i === 1 && push?.srt === true) for (const name of options.streams) srtPorts.set(name, await freePort())
      ingests.push({
        rtmpPort,
        srtPorts,
        process: await run(`ingest${i}`, 'cmd/ingest/main.ts', {
          REPORTER_INGEST_TOKEN: FLEET_TOKENS.REPORTER_INGEST_TOKEN, INGEST_ID: `ingest${i}`, INGEST_RTMP_PORT: String(rtmpPort), INGEST_PORT: String(port), INGEST_STATE_DIR: join(dir, `ingest${i}`),
          INGEST_SRT: [...srtPorts].map(([name, srtPort]) => `${name}:${srtPort}`).join(',')
        }, port)
      })
    }
    const allow = packagerUrls.join(',')
    const discovery = await run('discovery', 'cmd/discovery/main.ts', {
      REPORTER_DISCOVERY_TOKEN: FLEET_TOKENS.REPORTER_DISCOVERY_TOKEN, DISCOVERY_PORT: String(ports.discovery), DISCOVERY_RUN_FREQUENCY: '500ms', OUTPUT_STREAM_PATH: join(dir, 'discovery')
    }, ports.discovery)
    const origin = await run('origin', 'cmd/origin/main.ts', { ORIGIN_PORT: String(ports.origin), PACKAGER_ALLOWLIST: allow, REPORTER_POLL_INTERVAL: '500ms' }, ports.origin)
    const origin2 = options.controlOrigin === true
      ? await run('origin2', 'cmd/origin/main.ts', { ORIGIN_PORT: String(ports.origin2), PACKAGER_ALLOWLIST: allow, REPORTER_POLL_INTERVAL: '500ms', ORIGIN_TEST_ONLY_NO_FAILOVER: '1' }, ports.origin2)
      : undefined
    const get = async <T>(path: string, index = 0): Promise<T> => await (await fetch(`${reporterUrls[index] ?? ''}${path}`)).json() as T
    const placement = async (index = 0): Promise<Record<string, string[]>> =>
      Object.fromEntries((await get<Array<{ name: string, workers: string[] }>>('/streams', index)).map((s) => [s.name, s.workers]))
    return { dir, redis, sentinel, reporter, reporters, workers, packagers, discovery, origin, origin2, ingests, ports: { ...ports, packagers: packagerPorts }, workerTtlMs: 3 * heartbeatMs + 1000, get, placement, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

/**
 * Waits until every stream is on two workers (none of them `without`) and the reporter lists two
 * healthy packagers for it.
 */
export async function waitUntilFleetServes (stack: FleetStack, streams: readonly string[], options: { timeoutMs?: number, without?: string } = {}): Promise<Record<string, string[]>> {
  return await waitFor(`every stream on 2 workers${options.without === undefined ? '' : ` other than ${options.without}`} with 2 healthy packagers`, async () => {
    const placement = await stack.placement()
    const ingests = await stack.get<Array<{ signal: string, packagers: string[] }>>('/ingests')
    const healthy = new Map(ingests.map((i) => [i.signal, i.packagers.length]))
    const placed = (s: string): boolean => placement[s]?.length === 2 && (options.without === undefined || placement[s]?.includes(options.without) !== true)
    return streams.every((s) => placed(s) && healthy.get(s) === 2) ? placement : undefined
  }, { timeoutMs: options.timeoutMs ?? 60_000, intervalMs: 250 })
}
