import t from 'tap'
import { mediaPlaylist, startFixture } from '../../support/packager-fixture.js'

const KEY = 'live01/360p/playlist.m3u8' // media sequence 10..12, target duration 1 s

async function answer (res: Response): Promise<{ status: number, body: string, at: number }> {
  const body = await res.text()
  return { status: res.status, body, at: Date.now() }
}

t.test('a request for a listed segment is answered at once', async (t) => {
  const f = await startFixture(t)
  const res = await answer(await fetch(`${f.url}/${KEY}?_HLS_msn=12`))
  t.equal(res.status, 200)
  t.equal(res.body, mediaPlaylist(10, 3))
  const part = await answer(await fetch(`${f.url}/${KEY}?_HLS_msn=11&_HLS_part=0`))
  t.equal(part.status, 200)
})

t.test('a held request is answered once the playlist is replaced with one listing N', async (t) => {
  const f = await startFixture(t)
  const pending = fetch(`${f.url}/${KEY}?_HLS_msn=13`).then(answer)
  let settled = false
  void pending.then(() => { settled = true })
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.notOk(settled, 'still held while segment 13 is not listed')
  // an unrelated rewrite (same content, new inode) does not release it
  await f.replace(KEY, mediaPlaylist(10, 3))
  await new Promise((resolve) => setTimeout(resolve, 300))
  t.notOk(settled, 'still held after a rewrite that does not list 13')
  const replacedAt = Date.now()
  await f.replace(KEY, mediaPlaylist(11, 3))
  const res = await pending
  t.equal(res.status, 200)
  t.equal(res.body, mediaPlaylist(11, 3), 'answered with the playlist listing 13')
  t.ok(res.at >= replacedAt, 'answered after the replace')
  const metrics = await (await fetch(`${f.url}/metrics`)).text()
  t.match(metrics, /packager_blocking_reloads_total\{outcome="released",service="packager"\} 1/)
})

t.test('N beyond last+2 and malformed parameters are 400', async (t) => {
  const f = await startFixture(t)
  for (const query of ['_HLS_msn=15', '_HLS_msn=abc', '_HLS_msn=-1', '_HLS_msn=1.5', '_HLS_part=1', '_HLS_msn=13&_HLS_part=x', '_HLS_msn=']) {
    const res = await fetch(`${f.url}/${KEY}?${query}`)
    t.equal(res.status, 400, query)
    t.equal((await res.json() as { error: string }).error, 'PACKAGER_ERR_BAD_BLOCKING_PARAMS', query)
  }
})

t.test('503 after three target durations without the segment', async (t) => {
  const f = await startFixture(t)
  const started = Date.now()
  const res = await fetch(`${f.url}/${KEY}?_HLS_msn=14`)
  const waited = Date.now() - started
  t.equal(res.status, 503)
  t.equal((await res.json() as { error: string }).error, 'PACKAGER_ERR_BLOCKING_TIMEOUT')
  t.ok(waited >= 2900, `held for about 3 target durations (${waited} ms)`)
})

t.test('master playlists and missing playlists do not block', async (t) => {
  const f = await startFixture(t)
  const master = await fetch(`${f.url}/live01/playlist.m3u8?_HLS_msn=99999`)
  t.equal(master.status, 200)
  await master.text()
  const missing = await fetch(`${f.url}/live01/720p/playlist.m3u8?_HLS_msn=1`)
  t.equal(missing.status, 404)
  await missing.text()
})

t.test('waiters are bounded and are released on close()', async (t) => {
  const f = await startFixture(t, { PACKAGER_MAX_BLOCKING_WAITERS: '2' })
  // target duration 10 s: a 30 s timeout cannot be what releases them
  await f.write(KEY, mediaPlaylist(10, 3, 10))
  const held = [fetch(`${f.url}/${KEY}?_HLS_msn=13`).then(answer), fetch(`${f.url}/${KEY}?_HLS_msn=14`).then(answer)]
  // wait until both are registered
  for (let i = 0; i < 100; i++) {
    const metrics = await (await fetch(`${f.url}/metrics`)).text()
    if (/packager_blocked_reload_waiters\{service="packager"\} 2/.test(metrics)) break
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  const third = await fetch(`${f.url}/${KEY}?_HLS_msn=13`)
  t.equal(third.status, 503)
  t.equal((await third.json() as { error: string }).error, 'PACKAGER_ERR_TOO_MANY_WAITERS')
  const closeStarted = Date.now()
  await f.service.close()
  const results = await Promise.all(held)
  for (const res of results) {
    t.equal(res.status, 503)
    t.match(res.body, /PACKAGER_ERR_CLOSING/)
  }
  t.ok(Date.now() - closeStarted < 20_000, 'released by close, not by their 30 s timeout')
})

t.test('a client that gives up frees its waiter slot', async (t) => {
  const f = await startFixture(t, { PACKAGER_MAX_BLOCKING_WAITERS: '1' })
  const controller = new AbortController()
  const gone = fetch(`${f.url}/${KEY}?_HLS_msn=13`, { signal: controller.signal }).catch(() => 'aborted')
  await new Promise((resolve) => setTimeout(resolve, 200))
  controller.abort()
  t.equal(await gone, 'aborted')
  let freed = false
  for (let i = 0; i < 100 && !freed; i++) {
    const metrics = await (await fetch(`${f.url}/metrics`)).text()
    freed = /packager_blocked_reload_waiters\{service="packager"\} 0/.test(metrics)
    if (!freed) await new Promise((resolve) => setTimeout(resolve, 20))
  }
  t.ok(freed, 'slot freed')
  const next = fetch(`${f.url}/${KEY}?_HLS_msn=13`).then(answer)
  await new Promise((resolve) => setTimeout(resolve, 200))
  await f.replace(KEY, mediaPlaylist(11, 3))
  t.equal((await next).status, 200, 'the freed slot serves the next client')
})
