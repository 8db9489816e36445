import { mkdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Service } from '../lifecycle/service.js'
import type { Logger } from '../log/logger.js'
import { createHttpApp, type HttpApp } from '../http/http-app.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { renderTemplate } from '../edges/nginx-template.js'
import { resolveNginx, testNginxConfig } from '../edges/nginx-binary.js'
import { RESTART_BACKOFF, nextBackoffMs } from '../process/backoff.js'
import { ChildSupervisor } from '../process/child-supervisor.js'
import { probeAnchor } from './anchor-probe.js'
import type { IngestConfig } from './ingest-config.js'
import { PublishSessions } from './publish-sessions.js'
import { createIngestMetrics, registerRtmpCallbacks } from './rtmp-callback-routes.js'
import { SrtListeners } from './srt-listeners.js'

export const INGEST_TEMPLATE_PATH = 'assets/ingest-nginx.conf'
const PROBE_TIMEOUT_MS = 8000

/**
 * An ingest node: its own nginx with the RTMP module (restarted if it dies; every publish it held
 * is released then, so workers fall back at once), and the control API nginx's callbacks ask.
 */
export class IngestService implements Service {
  readonly #config: IngestConfig
  readonly #log: Logger
  readonly #sessions: PublishSessions
  readonly #http: HttpApp
  readonly #srt: SrtListeners
  #nginx: ChildSupervisor | undefined
  #nginxPath = ''
  #configPath = ''
  #backoffMs: number | undefined
  #restart: NodeJS.Timeout | undefined
  #closing: Promise<void> | undefined

  constructor (config: IngestConfig, log: Logger) {
    this.#config = config
    this.#log = log.child({ ingest: config.id })
    this.#sessions = new PublishSessions({
      ingestId: config.id,
      rtmpBase: `rtmp://${config.publicHost}:${config.rtmpPort}`,
      localRtmpBase: `rtmp://127.0.0.1:${config.rtmpPort}`,
      reporterUrls: config.reporterUrls,
      reporterToken: config.reporterToken,
      log: this.#log,
      probe: async (url) => await probeAnchor(config.ffprobePath, url, PROBE_TIMEOUT_MS)
    })
    const metrics = createMetricsRegistry('ingest')
    this.#http = createHttpApp({ log: this.#log, metrics })
    const ingestMetrics = createIngestMetrics(metrics, this.#sessions)
    registerRtmpCallbacks(this.#http.app, this.#sessions, ingestMetrics, this.#log)
    this.#srt = new SrtListeners({
      specs: config.srtListeners,
      ffmpegPath: config.ffmpegPath,
      bindHost: config.rtmpHost,
      localRtmpBase: `rtmp://127.0.0.1:${config.rtmpPort}`,
      reporterUrls: config.reporterUrls,
      reporterToken: config.reporterToken,
      log: this.#log,
      onRefused: () => { ingestMetrics.publishes.inc({ result: 'refused_srt_handshake' }) }
    })
  }

  /** PID of nginx, for tests and diagnostics. */
  get nginxPid (): number | undefined {
    return this.#nginx?.pid
  }

  get port (): number | undefined {
    const address = this.#http.app.server.address()
    return typeof address === 'object' && address !== null ? address.port : undefined
  }

  async start (): Promise<void> {
    const c = this.#config
    this.#nginxPath = resolveNginx(c.nginxPath)
    await this.#http.app.listen({ host: c.host, port: c.port })
    await mkdir(c.stateDir, { recursive: true })
    const template = await readFile(INGEST_TEMPLATE_PATH, 'utf8')
    this.#configPath = join(c.stateDir, 'nginx.conf')
    await writeFile(this.#configPath, renderTemplate(template, {
      RTMP_MODULE: c.rtmpModulePath,
      PREFIX: c.stateDir,
      RTMP_LISTEN: `${c.rtmpHost}:${c.rtmpPort}`,
      CONTROL_PORT: String(this.port)
    }))
    await testNginxConfig(this.#nginxPath, c.stateDir, this.#configPath, INGEST_TEMPLATE_PATH)
    await this.#srt.start()
    this.#sessions.start()
    this.#spawnNginx()
    if (c.reporterToken === undefined) this.#log.warn(`${c.reporterTokenVariable} is not set: key checks go to the reporter without a bearer token (it takes them only in token-less mode)`)
    this.#log.info({ rtmp: `rtmp://${c.publicHost}:${c.rtmpPort}/live/<stream key>`, backup: `rtmp://${c.publicHost}:${c.rtmpPort}/backup/<stream key>`, srt: c.srtListeners.map((l) => `srt://${c.publicHost}:${l.port} (${l.stream}, ${l.role})`), control: this.port, reporters: c.reporterUrls }, 'ingest started')
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      this.#http.markDraining()
      clearTimeout(this.#restart)
      await this.#srt.close()
      await this.#nginx?.close(3000)
      await this.#sessions.close()
      await this.#http.app.close()
    })()
    await this.#closing
  }

  #spawnNginx (): void {
    const c = this.#config
    const nginx = new ChildSupervisor({ file: this.#nginxPath, args: ['-p', c.stateDir, '-c', this.#configPath, '-e', 'stderr'] })
    this.#nginx = nginx
    nginx.on('spawned', ({ pid }) => { this.#log.info({ pid }, 'ingest nginx started') })
    nginx.on('line', ({ line }) => { this.#log.debug({ line }, 'nginx') })
    nginx.on('error', (err) => { this.#log.warn({ err }, 'ingest nginx process error') })
    const again = (why: string, runMs: number): void => {
      if (this.#closing !== undefined) return
      this.#backoffMs = nextBackoffMs(this.#backoffMs, runMs, RESTART_BACKOFF)
      this.#log.warn({ reason: why, restartInMs: this.#backoffMs }, 'ingest nginx is gone: its publishes are released, restarting it')
      this.#sessions.releaseAll().catch(() => {})
      this.#restart = setTimeout(() => { this.#spawnNginx() }, this.#backoffMs)
    }
    nginx.on('failed', ({ error, exit }) => { again(error?.message ?? `exited ${String(exit?.code)}`, 0) })
    nginx.on('died', (exit) => { again(`exited ${String(exit.code ?? exit.signal)}`, exit.runMs) })
    nginx.start().catch(() => {})
  }
}
