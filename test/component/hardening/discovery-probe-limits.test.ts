import t from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo, Socket } from 'node:net'
import { PackagerProber } from '../../../internal/discovery/packager-probe.js'

const TIMEOUT_MS = 1500
const MEDIA_HEAD = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n'

interface Hostile { url: string, bytesSent: () => number }

/** A packager whose playlist answer is scripted per test; counts what it managed to send. */
async function hostile (t: { teardown: (fn: () => Promise<void>) => void }, answer: (res: ServerResponse, count: (n: number) => void) => void): Promise<Hostile> {
  let sent = 0
  const sockets = new Set<Socket>()
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.url === '/healthcheck') { res.end('ok'); return }
    answer(res, (n) => { sent += n })
  })
  server.on('connection', (s) => { sockets.add(s); s.on('close', () => sockets.delete(s)) })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    for (const s of sockets) s.destroy()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, bytesSent: () => sent }
}

function prober (t: { teardown: (fn: () => Promise<void>) => void }, maxBodyBytes = 64 * 1024): PackagerProber {
  const p = new PackagerProber({ timeoutMs: TIMEOUT_MS, maxBodyBytes })
  t.teardown(async () => { await p.close() })
  return p
}

t.test('discovery probe: an endless chunked playlist (no content-length) is cut at the size cap', async (t) => {
  const server = await hostile(t, (res, count) => {
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' })
    const line = '#EXTINF:2.0,\nsegment.ts\n'.repeat(400)
    const pump = (): void => {
      // stop once the client has gone: the cap (or the deadline) closed the connection
      while (!res.destroyed && res.write(line)) count(line.length)
      if (!res.destroyed) res.once('drain', pump)
    }
    res.write(MEDIA_HEAD)
    pump()
  })
  const result = await prober(t).probePlaylist(server.url, 'live01')
  t.same(result, { ok: false, reason: 'too_large' })
  // bound, not speed: far less than the endless stream was read (the cap is 64 KiB)
  t.ok(server.bytesSent() < 16 * 1024 * 1024, `the probe stopped reading after ~${Math.round(server.bytesSent() / 1024)} KiB were written`)
})

t.test('discovery probe: a playlist that trickles forever is cut by the overall deadline', async (t) => {
  const timers: NodeJS.Timeout[] = []
  t.teardown(async () => { for (const x of timers) clearInterval(x) })
  const server = await hostile(t, (res, count) => {
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' })
    res.write(MEDIA_HEAD)
    // one line every 200 ms: each chunk resets a per-chunk body timeout, only a total deadline ends it
    timers.push(setInterval(() => { if (!res.destroyed) { res.write('#EXTINF:2.0,\nsegment.ts\n'); count(24) } }, 200))
  })
  const started = Date.now()
  const result = await prober(t).probePlaylist(server.url, 'live01')
  const elapsed = Date.now() - started
  t.same(result, { ok: false, reason: 'timeout' })
  t.ok(elapsed < TIMEOUT_MS + 3000, `gave up after ${elapsed} ms (deadline ${TIMEOUT_MS} ms)`)
})

t.test('discovery probe: a master whose variant never finishes is cut by the same deadline', async (t) => {
  const server = await hostile(t, (res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl' })
    if (res.req.url === '/live01/playlist.m3u8') {
      res.end('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/playlist.m3u8\n')
      return
    }
    res.write(MEDIA_HEAD) // and nothing more, ever
  })
  const started = Date.now()
  const result = await prober(t).probePlaylist(server.url, 'live01')
  t.same(result, { ok: false, reason: 'timeout' })
  t.ok(Date.now() - started < TIMEOUT_MS + 3000, 'the deadline covers entry and variant together')
})

t.test('discovery probe: the default cap is 1 MiB when none is given', async (t) => {
  const server = await hostile(t, (res) => {
    res.writeHead(200, { 'content-type': 'application/vnd.apple.mpegurl', 'content-length': String(2 * 1024 * 1024) })
    res.end(MEDIA_HEAD.padEnd(2 * 1024 * 1024, '#'))
  })
  const p = new PackagerProber({ timeoutMs: TIMEOUT_MS })
  t.teardown(async () => { await p.close() })
  t.same(await p.probePlaylist(server.url, 'live01'), { ok: false, reason: 'too_large' })
})
