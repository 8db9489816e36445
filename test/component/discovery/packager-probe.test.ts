import t from 'tap'
import { PackagerProber } from '../../../internal/discovery/packager-probe.js'
import { freePort } from '../../support/free-port.js'
import { MASTER, mediaPlaylist, startFakePackager, startSilentServer } from '../../support/fake-packager.js'

const TIMEOUT_MS = 1500

function prober (t: { teardown: (fn: () => Promise<void>) => void }): PackagerProber {
  const p = new PackagerProber({ timeoutMs: TIMEOUT_MS, maxBodyBytes: 64 * 1024 })
  t.teardown(async () => { await p.close() })
  return p
}

t.test('a healthy packager with a master playlist: healthcheck passes and the first variant is read', async (t) => {
  const fake = await startFakePackager()
  t.teardown(fake.close)
  fake.answers.set('/live01/playlist.m3u8', { status: 200, body: MASTER })
  fake.answers.set('/live01/360p/playlist.m3u8', { status: 200, body: mediaPlaylist(1000, { count: 3, targetSeconds: 2 }) })
  const p = prober(t)
  t.equal(await p.checkHealth(fake.url), undefined)
  t.same(await p.probePlaylist(fake.url, 'live01'), {
    ok: true, position: { mediaSequence: 1000, lastSequence: 1002, lastSegmentUri: 'segment_1002.ts', targetDurationMs: 2000 }
  })
  t.equal(fake.hits.get('/live01/720p/playlist.m3u8'), undefined, 'only the first variant is fetched')
})

t.test('HTTP failures become reasons', async (t) => {
  const fake = await startFakePackager()
  t.teardown(fake.close)
  const p = prober(t)
  t.same(await p.probePlaylist(fake.url, 'live01'), { ok: false, reason: 'http 404' }, 'healthcheck 200 but playlist 404')
  fake.health = 503
  t.equal(await p.checkHealth(fake.url), 'healthcheck http 503')
  fake.answers.set('/live01/playlist.m3u8', { status: 200, body: MASTER })
  t.same(await p.probePlaylist(fake.url, 'live01'), { ok: false, reason: 'variant http 404' })
  fake.answers.set('/live01/playlist.m3u8', { status: 200, body: 'this is not a playlist' })
  t.same(await p.probePlaylist(fake.url, 'live01'), { ok: false, reason: 'malformed' })
  fake.answers.set('/live01/playlist.m3u8', { status: 200, body: '#EXTM3U\n#EXT-X-TARGETDURATION:2\n' })
  t.same(await p.probePlaylist(fake.url, 'live01'), { ok: false, reason: 'empty' })
  fake.answers.set('/live01/playlist.m3u8', { status: 200, body: '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://169.254.169.254/x.m3u8\n' })
  t.same(await p.probePlaylist(fake.url, 'live01'), { ok: false, reason: 'foreign variant' })
  fake.answers.set('/live01/playlist.m3u8', { status: 200, body: '#EXTM3U\n' + '#EXT-X-TARGETDURATION:2\n'.repeat(5000) })
  t.same(await p.probePlaylist(fake.url, 'live01'), { ok: false, reason: 'too_large' }, 'a body over the cap is refused')
})

t.test('a server that accepts but never answers times out within the probe timeout', async (t) => {
  const silent = await startSilentServer()
  t.teardown(silent.close)
  const p = prober(t)
  const started = Date.now()
  const [health, playlist] = await Promise.all([p.checkHealth(silent.url), p.probePlaylist(silent.url, 'live01')])
  const elapsed = Date.now() - started
  t.equal(health, 'timeout')
  t.same(playlist, { ok: false, reason: 'timeout' })
  // a bound, not a speed measure: the probe must give up instead of hanging on the frozen peer
  t.ok(elapsed < TIMEOUT_MS + 3000, `gave up after ${elapsed}ms`)
})

t.test('a closed port is refused', async (t) => {
  const url = `http://127.0.0.1:${await freePort()}`
  const p = prober(t)
  t.equal(await p.checkHealth(url), 'refused')
  t.same(await p.probePlaylist(url, 'live01'), { ok: false, reason: 'refused' })
})

t.test('localhost resolves to whichever family listens', async (t) => {
  const fake = await startFakePackager()
  t.teardown(fake.close)
  const p = prober(t)
  t.equal(await p.checkHealth(fake.url.replace('127.0.0.1', 'localhost')), undefined)
  const port = await freePort()
  t.equal(await p.checkHealth(`http://localhost:${port}`), 'refused')
})
