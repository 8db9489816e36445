import { unlink } from 'node:fs/promises'
import path from 'node:path'
import t from 'tap'
import { eventually, mediaPlaylist, segmentBytes, startFixture } from '../../support/packager-fixture.js'

const IMMUTABLE = 'public, max-age=31536000, immutable'

t.test('playlists and segments: MIME, Cache-Control, CORS, bytes', async (t) => {
  const f = await startFixture(t)
  const master = await fetch(`${f.url}/live01/playlist.m3u8`)
  t.equal(master.status, 200)
  t.equal(master.headers.get('content-type'), 'application/vnd.apple.mpegurl')
  t.equal(master.headers.get('cache-control'), 'no-cache')
  t.equal(master.headers.get('access-control-allow-origin'), '*')
  t.match(await master.text(), /#EXT-X-STREAM-INF/)

  const media = await fetch(`${f.url}/live01/360p/playlist.m3u8`)
  t.equal(media.status, 200)
  t.equal(await media.text(), mediaPlaylist(10, 3))

  const seg = await fetch(`${f.url}/live01/360p/seg_11.ts`)
  t.equal(seg.status, 200)
  t.equal(seg.headers.get('content-type'), 'video/mp2t')
  t.equal(seg.headers.get('cache-control'), IMMUTABLE)
  t.equal(seg.headers.get('access-control-allow-origin'), '*')
  t.equal(seg.headers.get('content-length'), '4096')
  t.ok(Buffer.from(await seg.arrayBuffer()).equals(segmentBytes(11)), 'segment bytes as on disk')

  const init = await fetch(`${f.url}/live01/360p/init.mp4`)
  t.equal(init.headers.get('content-type'), 'video/mp4')
  await init.arrayBuffer()

  // the second request is served from memory and must be identical
  const again = await fetch(`${f.url}/live01/360p/seg_11.ts`)
  t.ok(Buffer.from(await again.arrayBuffer()).equals(segmentBytes(11)))
  t.equal(again.headers.get('etag'), seg.headers.get('etag'))
})

t.test('a one-rendition ladder serves its media playlist and segments at the signal level', async (t) => {
  const f = await startFixture(t)
  const playlist = await fetch(`${f.url}/solo/playlist.m3u8`)
  t.equal(await playlist.text(), mediaPlaylist(5, 2))
  const seg = await fetch(`${f.url}/solo/seg_5.ts`)
  t.equal(seg.status, 200)
  t.ok(Buffer.from(await seg.arrayBuffer()).equals(segmentBytes(5)))
})

t.test('HEAD, OPTIONS preflight, conditional and range requests', async (t) => {
  const f = await startFixture(t)
  for (let i = 0; i < 2; i++) { // cold (miss) then warm (hit)
    const head = await fetch(`${f.url}/live01/360p/seg_10.ts`, { method: 'HEAD' })
    t.equal(head.status, 200)
    t.equal(head.headers.get('content-length'), '4096')
    t.equal(head.headers.get('content-type'), 'video/mp2t')
    t.equal((await head.arrayBuffer()).byteLength, 0, 'HEAD has no body')
  }

  const preflight = await fetch(`${f.url}/live01/360p/seg_10.ts`, {
    method: 'OPTIONS',
    headers: { origin: 'https://player.example', 'access-control-request-method': 'GET', 'access-control-request-headers': 'range' }
  })
  t.equal(preflight.status, 204)
  t.equal(preflight.headers.get('access-control-allow-origin'), '*')
  t.match(preflight.headers.get('access-control-allow-methods') ?? '', /GET/)
  t.match(preflight.headers.get('access-control-allow-headers') ?? '', /Range/)

  const first = await fetch(`${f.url}/live01/360p/playlist.m3u8`)
  await first.text()
  const etag = first.headers.get('etag')
  t.ok(etag !== null && etag.startsWith('"'), 'strong ETag')
  const notModified = await fetch(`${f.url}/live01/360p/playlist.m3u8`, { headers: { 'if-none-match': etag ?? '' } })
  t.equal(notModified.status, 304)
  t.equal(notModified.headers.get('cache-control'), 'no-cache')

  const ranged = await fetch(`${f.url}/live01/360p/seg_12.ts`, { headers: { range: 'bytes=0-9' } })
  t.equal(ranged.status, 206)
  t.equal(ranged.headers.get('content-range'), 'bytes 0-9/4096')
  t.ok(Buffer.from(await ranged.arrayBuffer()).equals(segmentBytes(12).subarray(0, 10)))
  const beyond = await fetch(`${f.url}/live01/360p/seg_12.ts`, { headers: { range: 'bytes=5000-' } })
  t.equal(beyond.status, 416)
  await beyond.arrayBuffer()
})

t.test('missing files are JSON 404 that caches must not keep; health probes answer 200', async (t) => {
  const f = await startFixture(t)
  for (const url of ['/live01/360p/seg_99.ts', '/live01/720p/playlist.m3u8', '/nosignal/playlist.m3u8']) {
    const res = await fetch(f.url + url)
    t.equal(res.status, 404, url)
    t.equal(res.headers.get('cache-control'), 'no-store')
    t.equal(res.headers.get('access-control-allow-origin'), '*')
    t.equal((await res.json() as { error: string }).error, 'PACKAGER_ERR_NOT_FOUND')
  }
  const hc = await fetch(`${f.url}/healthcheck`)
  t.equal(hc.status, 200)
  await hc.text()
  const hz = await fetch(`${f.url}/healthz`)
  t.equal(hz.status, 200)
  await hz.text()
})

t.test('a playlist renamed over is served in its new form shortly after', async (t) => {
  const f = await startFixture(t)
  const key = 'live01/360p/playlist.m3u8'
  t.equal(await (await fetch(`${f.url}/${key}`)).text(), mediaPlaylist(10, 3))
  for (let next = 11; next <= 13; next++) {
    const expected = mediaPlaylist(next, 3)
    await f.replace(key, expected)
    const seen = await eventually(async () => (await (await fetch(`${f.url}/${key}`)).text()) === expected, 3000)
    t.ok(seen, `update to media sequence ${next} is served`)
  }
})

t.test('a deleted segment ends in 404; a file created later is found', async (t) => {
  const f = await startFixture(t)
  const url = `${f.url}/live01/360p/seg_10.ts`
  t.equal((await fetch(url).then(async (r) => { await r.arrayBuffer(); return r })).status, 200)
  await unlink(path.join(f.root, 'live01', '360p', 'seg_10.ts'))
  t.ok(await eventually(async () => {
    const res = await fetch(url)
    await res.arrayBuffer()
    return res.status === 404
  }, 3000), 'deleted segment is no longer served')

  const late = `${f.url}/live01/360p/seg_13.ts`
  const before = await fetch(late)
  await before.arrayBuffer()
  t.equal(before.status, 404)
  await f.write('live01/360p/seg_13.ts', segmentBytes(13))
  const after = await fetch(late)
  t.equal(after.status, 200, 'a 404 is not cached')
  t.ok(Buffer.from(await after.arrayBuffer()).equals(segmentBytes(13)))
})

t.test('concurrent misses share one disk read; metrics count kinds, hits and misses', async (t) => {
  const f = await startFixture(t)
  const bodies = await Promise.all(Array.from({ length: 20 }, async () => Buffer.from(await (await fetch(`${f.url}/live01/360p/seg_12.ts`)).arrayBuffer())))
  t.ok(bodies.every((b) => b.equals(segmentBytes(12))), 'all 20 got the bytes')
  await (await fetch(`${f.url}/live01/360p/seg_12.ts`)).arrayBuffer()
  const metrics = await (await fetch(`${f.url}/metrics`)).text()
  t.match(metrics, /packager_disk_reads_total\{kind="segment",service="packager"\} 1\n/, 'one disk read for 21 requests')
  t.match(metrics, /packager_requests_total\{kind="segment",service="packager"\} 21\n/)
  t.match(metrics, /packager_cache_hits_total\{kind="segment",service="packager"\} [1-9]/)
  t.match(metrics, /packager_cache_misses_total\{kind="segment",service="packager"\} [1-9]/)
  t.match(metrics, /packager_cache_bytes\{service="packager"\} [1-9]\d*/)
  t.match(metrics, /packager_blocked_reload_waiters\{service="packager"\} 0/)
})

t.test('close() is idempotent and stops serving', async (t) => {
  const f = await startFixture(t)
  await f.service.close()
  await f.service.close()
  await t.rejects(fetch(`${f.url}/live01/playlist.m3u8`), 'connection refused after close')
})
