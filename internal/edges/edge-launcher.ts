import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { userInfo } from 'node:os'
import { join } from 'node:path'
import type { Logger } from '../log/logger.js'
import type { LaunchCandidate } from './edge-fleet-state.js'
import { edgeId, edgeProbeUrl, edgePublicUrl } from './edge-naming.js'
import { EDGE_TEMPLATE_PATH, loadEdgeTemplate, renderEdgeConfig } from './edge-nginx-config.js'
import type { EdgeProber } from './edge-prober.js'
import { EdgeProcess } from './edge-process.js'
import type { EdgeRecord, EdgeStateDir } from './edge-state-dir.js'
import type { EdgesConfig } from './edges-config.js'
import { EdgesErrors } from './edges-errors.js'
import type { EdgesMetrics } from './edges-metrics.js'
import { resolveNginx, testNginxConfig } from './nginx-binary.js'
import { isPortFree } from './process-tools.js'

const START_TIMEOUT_MS = 5000
// a replacement started beside a hung edge: health asked often, on a few connections at once with a
// short timeout, since the kernel hands each new connection to either nginx (reuseport)
const HAND_OVER_POLL_MS = 10
const HAND_OVER_PROBE_MS = 150
export const HAND_OVER_PROBES = 3

export interface EdgeLauncherOptions {
  readonly config: EdgesConfig
  readonly dir: EdgeStateDir
  readonly log: Logger
  readonly metrics: EdgesMetrics
  /** Round probes: a new edge is healthy once its health location answers. */
  readonly prober: EdgeProber
  /** Hand-over health checks, on connections of their own (HAND_OVER_PROBES of them). */
  readonly handOverProber: EdgeProber
}

/** Writes edges' nginx configs from the template, starts, adopts and picks ports for them. */
export class EdgeLauncher {
  readonly #config: EdgesConfig
  readonly #dir: EdgeStateDir
  readonly #log: Logger
  readonly #metrics: EdgesMetrics
  readonly #prober: EdgeProber
  readonly #handOverProber: EdgeProber
  #nginxPath = ''
  #template = ''

  constructor (options: EdgeLauncherOptions) {
    this.#config = options.config
    this.#dir = options.dir
    this.#log = options.log
    this.#metrics = options.metrics
    this.#prober = options.prober
    this.#handOverProber = options.handOverProber
  }

  /** Finds the nginx binary (throws when there is none). */
  findNginx (): string {
    this.#nginxPath = resolveNginx(this.#config.nginxPath)
    return this.#nginxPath
  }

  /** Loads the template; a bad template or an nginx without stub_status stops the start with nginx's own words. */
  async checkTemplate (): Promise<void> {
    this.#template = await loadEdgeTemplate()
    const prefix = join(this.#dir.root, 'config-check')
    await mkdir(join(prefix, 'tmp'), { recursive: true })
    await mkdir(join(prefix, 'cache'), { recursive: true })
    const path = join(prefix, 'nginx.conf')
    await writeFile(path, renderEdgeConfig(this.#template, { ...this.#nginxParams(this.#config.basePort), prefix }))
    await testNginxConfig(this.#nginxPath, prefix, path, EDGE_TEMPLATE_PATH)
  }

  publicUrl (port: number): string {
    return edgePublicUrl(this.#config.publicHost, port)
  }

  probeUrl (port: number): string {
    return edgeProbeUrl(this.#config.host, port)
  }

  /**
   * The first `count` candidates free to bind. A handed-over port is still held by its dead
   * master's worker; nginx binds it anyway (reuseport), so the edge keeps its URL.
   */
  async pickPorts (count: number, candidates: readonly LaunchCandidate[]): Promise<number[]> {
    const picked: number[] = []
    for (const candidate of candidates) {
      if (picked.length === count) break
      if (candidate.handedOver || await isPortFree(this.#config.host, candidate.port)) picked.push(candidate.port)
    }
    if (picked.length < count) {
      const { basePort, portSpan } = this.#config
      this.#log.error({ err: new EdgesErrors.NO_PORT(basePort, basePort + portSpan - 1) }, 'edge ports exhausted')
    }
    return picked
  }

  /**
   * Writes the edge's config and starts its nginx; undefined (logged, counted) when it does not
   * become healthy. `handOver`: beside a stuck edge on the same port, asked often on several connections.
   */
  async start (port: number, handOver: boolean): Promise<EdgeProcess | undefined> {
    const id = edgeId(this.#config.publicHost, port)
    const probeUrl = this.probeUrl(port)
    try {
      await this.#dir.preparePrefix(port)
      await writeFile(this.#dir.configPath(port), renderEdgeConfig(this.#template, this.#nginxParams(port)))
      return await EdgeProcess.launch({
        id,
        port,
        dir: this.#dir,
        nginxPath: this.#nginxPath,
        graceSeconds: Math.ceil(this.#config.orphanGraceMs / 1000),
        isHealthy: handOver
          ? async () => await firstTrue(Array.from({ length: HAND_OVER_PROBES }, async () => await this.#handOverProber.health(probeUrl, HAND_OVER_PROBE_MS)))
          : async () => await this.#prober.health(probeUrl),
        startTimeoutMs: START_TIMEOUT_MS,
        ...(handOver ? { pollMs: HAND_OVER_POLL_MS } : {})
      })
    } catch (err) {
      this.#metrics.startFailures.inc()
      this.#log.error({ err, edge: id }, 'edge start failed')
      return undefined
    }
  }

  /** Takes over an edge a previous manager left, if it runs and answers; undefined (and killed) otherwise. */
  async adopt (record: EdgeRecord): Promise<EdgeProcess | undefined> {
    const probeUrl = this.probeUrl(record.port)
    return await EdgeProcess.adopt(record, this.#dir, async () => await this.#prober.health(probeUrl))
  }

  /** Settings may have changed while no manager ran: rewrites an adopted edge's config and lets nginx reload it in place. */
  async refreshAdopted (edge: EdgeProcess): Promise<void> {
    const config = renderEdgeConfig(this.#template, this.#nginxParams(edge.port))
    const current = await readFile(this.#dir.configPath(edge.port), 'utf8').catch(() => '')
    if (current === config) return
    await writeFile(this.#dir.configPath(edge.port), config)
    edge.reload()
    this.#log.info({ edge: edge.id }, 'adopted edge config rewritten and reloaded')
  }

  #nginxParams (port: number): Parameters<typeof renderEdgeConfig>[1] {
    return {
      id: edgeId(this.#config.publicHost, port),
      port,
      listenHost: this.#config.host,
      prefix: this.#dir.prefix(port),
      originUrl: this.#config.originUrl,
      originBackups: this.#config.originBackups,
      cacheMaxSize: this.#config.cacheMaxSize,
      segmentCacheValid: this.#config.segmentCacheValid,
      runAsUser: process.getuid?.() === 0 ? userInfo().username : undefined,
      signingKey: this.#config.signingKey
    }
  }
}

/** True as soon as one of `checks` resolves true; false once all resolved false. */
async function firstTrue (checks: ReadonlyArray<Promise<boolean>>): Promise<boolean> {
  return await new Promise((resolve) => {
    let pending = checks.length
    if (pending === 0) resolve(false)
    for (const check of checks) {
      void check.then((ok) => {
        pending--
        if (ok) resolve(true)
        else if (pending === 0) resolve(false)
      }, () => { if (--pending === 0) resolve(false) })
    }
  })
}
