import t from 'tap'
import Fastify from 'fastify'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPairAndOrigin } from '../../support/origin-harness.js'
import { registerStatusRoutes } from '../../../internal/origin/status-routes.js'
import { buildStatus, type StatusSnapshot } from '../../../internal/origin/status-model.js'
import { waitFor } from '../../support/wait-for.js'
import { openStatusStream } from '../../support/sse-reader.js'

const TD_MS = 1000

t.test('the page, its files and hls.js are served by the origin, with a strict content policy', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  advanceEvery(t, [a, b], TD_MS)
  const page = await get(`${origin.url}/`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  t.match(page.text, /<script src="\/assets\/hls\.min\.js"><\/script>/, 'hls.js from the origin, not a CDN')
  t.notMatch(page.text, /https?:\/\//, 'the page loads nothing from another host')
  t.match(page.headers.get('content-security-policy'), /script-src 'self'/)
  for (const file of ['/status.js', '/status.css', '/index.html']) t.equal((await get(`${origin.url}${file}`)).status, 200, file)
  const hls = await get(`${origin.url}/assets/hls.min.js`)
  t.equal(hls.status, 200)
  t.match(hls.headers.get('content-type'), /javascript/)
  t.ok(hls.text.length > 100_000, `hls.min.js is the real library (${hls.text.length} bytes)`)
  t.equal((await get(`${origin.url}/live01/hi/playlist.m3u8`)).status, 200, 'player routes are untouched')
  t.not((await get(`${origin.url}/assets/hls.js`)).status, 200, 'only hls.min.js is exposed from node_modules')
})

t.test('status.json names both packagers; a dead one shows down with its reason and a failover', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  advanceEvery(t, [a, b], TD_MS)
  const first = await waitFor('both packagers judged', async () => {
    const s = JSON.parse((await get(`${origin.url}/status.json`)).text) as StatusSnapshot
    const states = s.signals[0]?.packagers.map((p) => p.state).sort()
    return states?.join() === 'active,standby' ? s : undefined
  }, { timeoutMs: 10_000 })
  const live = first.signals[0]
  t.equal(live?.name, 'live01')
  t.same(live?.renditions, ['hi', 'lo'])
  t.equal(live?.state, 'ok')
  t.ok((live?.newestMsn ?? 0) > 0, 'newest MSN shown')
  t.ok(live?.playlistAgeS !== null && (live?.playlistAgeS ?? 99) < 5, `playlist age ${live?.playlistAgeS ?? 'none'} s`)
  const active = live?.packagers.find((p) => p.state === 'active')
  const victim = active?.url === a.url ? a : b

  const stream = await openStatusStream(origin.port)
  t.teardown(() => stream.close())
  t.equal(stream.status, 200)
  t.match(stream.headers['content-type'], /text\/event-stream/)
  await victim.close()
  const pushed = await waitFor('a pushed snapshot with the dead packager down', () => stream.frames.find((f) => {
    const p = f.signals[0]?.packagers.find((x) => x.url === victim.url)
    return p?.state === 'down' && f.failovers.length > 0
  }), { timeoutMs: 10_000, intervalMs: 50 })
  const dead = pushed.signals[0]?.packagers.find((x) => x.url === victim.url)
  t.ok(dead?.reasonKind === 'refused' || dead?.reasonKind === 'reset' || dead?.reasonKind === 'no-answer', `reason: ${dead?.reasonKind ?? ''} (${dead?.reason ?? ''})`)
  t.equal(pushed.signals[0]?.state, 'degraded')
  t.match(pushed.failovers[0], { signal: 'live01', kind: 'failover', from: victim.url })
  t.ok(Math.abs((pushed.failovers[0]?.at ?? 0) - Date.now()) < 60_000, 'failover carries a timestamp')
})

t.test('the stream pushes at least every keep-alive, refuses clients beyond the bound, and ends on close', async (t) => {
  const app = Fastify()
  let n = 0
  const snapshot = (): StatusSnapshot => buildStatus({ now: Date.now(), signals: [], edges: [], edgesInUse: [], reporterReachable: (n++ & 0) === 0, failovers: [] })
  registerStatusRoutes(app, { snapshot, stream: { maxClients: 2, checkMs: 50, keepAliveMs: 200 } })
  await app.listen({ port: 0, host: '127.0.0.1' })
  let closed = false
  t.teardown(async () => { if (!closed) await app.close() })
  const port = (app.server.address() as { port: number }).port
  const one = await openStatusStream(port)
  const two = await openStatusStream(port)
  await waitFor('keep-alive pushes without change', () => one.frames.length >= 3, { timeoutMs: 5000, intervalMs: 20 })
  const third = await openStatusStream(port)
  t.equal(third.status, 503, 'a third client is refused')
  third.close()
  two.close()
  await waitFor('room again after a client left', async () => {
    const again = await openStatusStream(port)
    again.close()
    return again.status === 200
  }, { timeoutMs: 5000 })
  await app.close()
  closed = true
  await one.ended
  t.pass('close() ended the open stream instead of hanging on it')
})

t.test('STATUS_PAGE=false leaves the status routes out', async (t) => {
  const origin = await startOrigin(t, { packagers: ['http://127.0.0.1:9'], env: { STATUS_PAGE: 'false' } })
  t.equal((await get(`${origin.url}/`)).status, 404)
  t.equal((await get(`${origin.url}/status.json`)).status, 404)
})
