import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { pino } from 'pino'
import type { Test } from 'tap'
import { request } from 'undici'
import { loadEdgesConfig } from '../../internal/edges/edges-config.js'
import { EdgesService, type EdgesServiceOptions } from '../../internal/edges/edges-service.js'
import { isProcessRunning } from '../../internal/edges/process-tools.js'
import { loadReporterConfig } from '../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../internal/reporter/reporter-service.js'
import { freePort } from './free-port.js'

export const TOKEN = 'edges-test-token'
// EDGES_TEST_LOG=info (or debug) shows the services' logs when a test needs explaining
export const SILENT = pino({ level: process.env.EDGES_TEST_LOG ?? 'silent' })

export interface FakeOrigin {
  readonly url: string
  /** Requests the origin answered, by path. */
  readonly hits: Map<string, number>
}

/**
 * An origin as the edges see it: segments with the origin's long Cache-Control, playlists with
 * no-cache. A segment takes a while to answer, so concurrent misses overlap.
 */
export async function startFakeOrigin (t: Test, segmentDelayMs = 300): Promise<FakeOrigin> {
  const app = Fastify()
  const hits = new Map<string, number>()
  app.get('/:signal/:rendition/:name', async (req, reply) => {
    const path = req.url.split('?')[0] ?? ''
    hits.set(path, (hits.get(path) ?? 0) + 1)
    const { name } = req.params as { name: string }
    if (name.endsWith('.m3u8')) {
      // as the origin says it: a blocking reload's answer is final, a live playlist kept a second
      const blocking = (req.query as { _HLS_msn?: string })._HLS_msn !== undefined
      return await reply.headers({ 'cache-control': 'no-cache', 'content-type': 'application/vnd.apple.mpegurl', 'access-control-allow-origin': '*', 'x-accel-expires': blocking ? '12' : '1' })
        .send(`#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${hits.get(path) ?? 0}\n`)
    }
    await new Promise((resolve) => setTimeout(resolve, segmentDelayMs))
    return await reply.headers({ 'cache-control': 'public, max-age=86400, immutable', 'content-type': 'video/mp2t' }).send(Buffer.alloc(4096, 0x47))
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  const address = app.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0
  return { url: `http://127.0.0.1:${port}`, hits }
}

/** The real reporter, in process, with a token. */
export async function startReporter (t: Test): Promise<ReporterService> {
  const reporter = new ReporterService(loadReporterConfig({ REPORTER_PORT: '0', REPORTER_TOKEN: TOKEN, HOST: '127.0.0.1' }), SILENT)
  await reporter.start()
  t.teardown(async () => { await reporter.close() })
  return reporter
}

export interface ReporterEdge { id: string, url: string, load_rps: number, draining: boolean }

export async function reporterEdges (reporter: ReporterService): Promise<ReporterEdge[]> {
  const response = await request(`http://127.0.0.1:${reporter.port}/edges`)
  return await response.body.json() as ReporterEdge[]
}

/** A private EDGES_DIR, and a base port with a few free ports above it (the manager skips busy ones anyway). */
export async function edgesSandbox (t: Test): Promise<{ dir: string, basePort: number }> {
  const dir = await mkdtemp(join(tmpdir(), 'edges-test-'))
  t.teardown(async () => {
    await killEdgesIn(dir)
    await rm(dir, { recursive: true, force: true })
  })
  return { dir, basePort: await freeBasePort() }
}

async function freeBasePort (): Promise<number> {
  for (;;) {
    const port = await freePort()
    if (port < 60_000) return port
  }
}

/** Pids of every nginx master and watchdog an EDGES_DIR records. */
export async function edgePids (dir: string): Promise<Array<{ port: number, nginxPid: number | undefined, watchdogPid: number | undefined }>> {
  const names = await readdir(dir).catch(() => [] as string[])
  const out = []
  for (const name of names) {
    const match = /^edge-(\d+)$/.exec(name)
    if (match === null) continue
    const nginxPid = Number((await readFile(join(dir, name, 'nginx.pid'), 'utf8').catch(() => '')).trim()) || undefined
    const record = await readFile(join(dir, name, 'edge.json'), 'utf8').then((s) => JSON.parse(s) as { watchdogPid: number }, () => undefined)
    out.push({ port: Number(match[1]), nginxPid, watchdogPid: record?.watchdogPid })
  }
  return out
}

/**
 * Teardown: SIGKILL, by pid, every watchdog group and nginx master an EDGES_DIR records, and the
 * extra pids given. Only processes whose command line names the folder are touched: pids are
 * recycled quickly on a busy machine and a stale one may name someone else's process by now.
 */
export async function killEdgesIn (dir: string, extraPids: readonly number[] = []): Promise<void> {
  const pids = new Set(extraPids)
  for (const { nginxPid, watchdogPid } of await edgePids(dir)) {
    if (nginxPid !== undefined) pids.add(nginxPid)
    if (watchdogPid !== undefined) pids.add(watchdogPid)
  }
  for (const pid of pids) {
    if (!isProcessRunning(pid, dir)) continue
    try { process.kill(-pid, 'SIGKILL') } catch {}
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
}

/** GET through an edge; status, X-Cache-Status and the CORS header. */
export async function fetchVia (base: string, path: string): Promise<{ status: number, cache: string | undefined, cors: string | undefined }> {
  const response = await request(base + path)
  await response.body.dump()
  const header = (name: string): string | undefined => {
    const value = response.headers[name]
    return Array.isArray(value) ? value.join(',') : value
  }
  return { status: response.statusCode, cache: header('x-cache-status'), cors: header('access-control-allow-origin') }
}

/**
 * A real EdgesService in its own sandbox, fed by `origin` and heartbeating to `reporter`, with
 * `env` on top of the sandbox's folder and ports. Teardown stops it and any nginx it left.
 */
export async function startEdgesService (
  t: Test, origin: FakeOrigin, reporter: ReporterService, env: Readonly<Record<string, string>>, options: EdgesServiceOptions = {}
): Promise<{ service: EdgesService, dir: string, basePort: number }> {
  const { dir, basePort } = await edgesSandbox(t)
  const service = new EdgesService(loadEdgesConfig({
    EDGES_PORT: '0', EDGES_BASE_PORT: String(basePort), EDGES_DIR: dir,
    ORIGIN_URL: origin.url, REPORTER_URL: `http://127.0.0.1:${reporter.port}`, REPORTER_TOKEN: TOKEN,
    ...env
  }), SILENT, options)
  t.teardown(async () => {
    const pids = service.edges().flatMap((e) => [e.watchdogPid, e.nginxPid])
    await service.close()
    await killEdgesIn(dir, pids.filter((pid) => isProcessRunning(pid, dir)))
  })
  await service.start()
  return { service, dir, basePort }
}

/** Requests the origin answered on its player routes (playlists, segments, steering), from its metrics. */
export async function originPlayerRequests (originBase: string): Promise<number> {
  const text = await (await fetch(`${originBase}/metrics`)).text()
  let sum = 0
  for (const m of text.matchAll(/^http_requests_total\{route="(\/:signal[^"]*)"[^}]*\} (\d+)/gm)) sum += Number(m[2])
  return sum
}
