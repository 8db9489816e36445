// A real nginx running the real edge template with SIGNING_KEY, in front of a local upstream:
// what the edge token tests (edge-secure-link, edge-token-rules) share.
import type { Test } from 'tap'
import { spawn } from 'node:child_process'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir, userInfo } from 'node:os'
import path from 'node:path'
import { request } from 'undici'
import { loadEdgeTemplate, renderEdgeConfig } from '../../internal/edges/edge-nginx-config.js'
import { findNginx } from '../../internal/edges/nginx-binary.js'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'

export interface Upstream {
  readonly url: string
  /** Every request the upstream answered, as path and query. */
  readonly seen: string[]
  readonly pathsSeen: () => string[]
}

/** The bytes the upstream answers for a segment path: they name it. */
export function segmentBytes (pathname: string): Buffer {
  return Buffer.concat([Buffer.from(`segment ${pathname}\n`), Buffer.alloc(2048, 0x47)])
}

/**
 * Answers any .ts path with bytes naming it, any .m3u8 path with a tiny playlist, telling the edge
 * how long to keep it as the origin does: a multivariant playlist (/<signal>/playlist.m3u8) never,
 * a media playlist a second.
 */
export async function startUpstream (t: Test): Promise<Upstream> {
  const seen: string[] = []
  const server = createServer((req, res) => {
    const url = req.url ?? '/'
    seen.push(url)
    const pathname = url.split('?')[0] ?? ''
    if (pathname.endsWith('.ts')) {
      res.writeHead(200, { 'content-type': 'video/mp2t', 'cache-control': 'public, max-age=86400, immutable' })
      res.end(segmentBytes(pathname))
    } else if (pathname.endsWith('.m3u8')) {
      const multivariant = pathname.split('/').length === 3
      res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'cache-control': 'no-cache', 'x-accel-expires': multivariant ? '0' : '1' })
      res.end(`#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:${seen.length}\n`)
    } else {
      res.writeHead(404).end()
    }
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => { await new Promise((resolve) => server.close(resolve)) })
  const port = (server.address() as AddressInfo).port
  return { url: `http://127.0.0.1:${port}`, seen, pathsSeen: () => seen.map((u) => u.split('?')[0] ?? '') }
}

/**
 * Starts nginx with the edge template rendered as the edges service renders it with `signingKey`,
 * in front of `upstream`; resolves to its base URL and the config it runs once it answers, or
 * undefined (after t.fail) when there is no nginx. Everything is stopped by teardown.
 */
export async function startSignedEdge (t: Test, upstream: Upstream, signingKey: string): Promise<{ base: string, conf: string } | undefined> {
  const nginx = findNginx(process.env.NGINX_PATH)
  if (!('path' in nginx)) {
    t.fail(`nginx is needed for this test: ${nginx.problem}`)
    return undefined
  }
  const prefix = await mkdtemp(path.join(tmpdir(), 'zdhls-signed-edge-'))
  t.teardown(async () => { await rm(prefix, { recursive: true, force: true }) })
  await mkdir(path.join(prefix, 'tmp'))
  await mkdir(path.join(prefix, 'cache'))
  const port = await freePort()
  const confPath = path.join(prefix, 'nginx.conf')
  const conf = renderEdgeConfig(await loadEdgeTemplate(), {
    id: `edge-${port}`,
    port,
    listenHost: '127.0.0.1',
    prefix,
    originUrl: upstream.url,
    cacheMaxSize: '64m',
    segmentCacheValid: '1h',
    runAsUser: process.getuid?.() === 0 ? userInfo().username : undefined,
    signingKey
  })
  await writeFile(confPath, conf)
  // its own process group: the master and its worker are killed together, by the master's pid
  const child = spawn(nginx.path, ['-p', prefix, '-c', confPath, '-e', path.join(prefix, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'], detached: true })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    try { process.kill(-(child.pid as number), 'SIGKILL') } catch {}
    if (child.exitCode === null && child.signalCode === null) await exited
  })
  const base = `http://127.0.0.1:${port}`
  await waitFor(`nginx to listen (${stderr})`, async () => {
    const response = await request(`${base}/_edge/healthz`)
    await response.body.dump()
    return response.statusCode === 200
  }, { timeoutMs: 15_000, intervalMs: 100 })
  return { base, conf }
}
