import t from 'tap'
import { request } from 'undici'
import { mintPlaybackToken, tokenQuery, type PlaybackToken } from '../../../internal/auth/playback-signature.js'
import { waitFor } from '../../support/wait-for.js'
import { segmentBytes, startSignedEdge, startUpstream } from '../../support/signed-edge-fixture.js'
import { startEdgesService, startFakeOrigin, startReporter } from '../../support/edges-test-helpers.js'

// The real edge template, rendered as the edges service renders it with SIGNING_KEY set, run by a
// real nginx in front of a local upstream: the origin's `st` token opens segments and playlists of
// its own signal until it expires, and nothing else reaches the cache or the upstream.
const KEY = 'edge-test-signing-key-0123456789abcdef'

interface Reply { status: number, body: Buffer, headers: Record<string, string | undefined> }

async function get (url: string, method: 'GET' | 'OPTIONS' = 'GET'): Promise<Reply> {
  const response = await request(url, { method })
  const body = Buffer.from(await response.body.arrayBuffer())
  const headers: Record<string, string | undefined> = {}
  for (const [name, value] of Object.entries(response.headers)) headers[name] = Array.isArray(value) ? value.join(',') : value
  return { status: response.statusCode, body, headers }
}

const q = (token: PlaybackToken): string => `?${tokenQuery(token)}`

t.test('real edge template with SIGNING_KEY: nginx checks st on segments and playlists', async (t) => {
  const upstream = await startUpstream(t)
  const edge = await startSignedEdge(t, upstream, KEY)
  if (edge === undefined) return
  const { base, conf } = edge

  const now = Math.floor(Date.now() / 1000)
  const good = mintPlaybackToken(KEY, 'live01', now + 600)

  await t.test('a good token: 200 with the upstream bytes, then a cache HIT, whoever asks', async (t) => {
    const seg = '/live01/hi/100.ts'
    const first = await get(`${base}${seg}${q(good)}`)
    t.equal(first.status, 200)
    t.same(first.body, segmentBytes(seg), "the upstream's bytes")
    t.equal(first.headers['x-cache-status'], 'MISS')
    const second = await get(`${base}${seg}${q(good)}`)
    t.equal(second.status, 200)
    t.equal(second.headers['x-cache-status'], 'HIT')
    t.same(second.body, segmentBytes(seg))
    const otherViewer = mintPlaybackToken(KEY, 'live01', now + 900)
    const third = await get(`${base}${seg}${q(otherViewer)}`)
    t.equal(third.status, 200)
    t.equal(third.headers['x-cache-status'], 'HIT', "another viewer's token does not split the cache (key is $uri)")
    t.same(upstream.pathsSeen().filter((p) => p === seg), [seg], 'the upstream was asked once')
    t.ok(upstream.seen.includes(`${seg}${q(good)}`), "a miss goes upstream with the viewer's whole query, so the origin checks sig too")
  })

  await t.test('refused tokens: 403 with a one-line body and CORS, before cache and upstream', async (t) => {
    const tampered = `${good.st.slice(0, -2)}${good.st.endsWith('AA') ? 'BB' : 'AA'}`
    const expired = mintPlaybackToken(KEY, 'live01', now - 5)
    const otherSignal = mintPlaybackToken(KEY, 'live02', now + 600)
    const otherKey = mintPlaybackToken(`${KEY}x`, 'live01', now + 600)
    const cases: Array<[string, string, RegExp]> = [
      ['tampered st', `/live01/hi/201.ts?exp=${good.exp}&sig=${good.sig}&st=${tampered}`, /missing or invalid/],
      ['a longer exp than signed', `/live01/hi/202.ts?exp=${good.exp + 1}&sig=${good.sig}&st=${good.st}`, /missing or invalid/],
      ['expired', `/live01/hi/203.ts${q(expired)}`, /expired/],
      ['token of another signal', `/live01/hi/204.ts${q(otherSignal)}`, /missing or invalid/],
      ['token minted with another key', `/live01/hi/205.ts${q(otherKey)}`, /missing or invalid/],
      ['missing', '/live01/hi/206.ts', /missing or invalid/],
      ['exp without st', `/live01/hi/207.ts?exp=${good.exp}&sig=${good.sig}`, /missing or invalid/],
      ['playlist with a bad token', `/live01/hi/playlist.m3u8?exp=${good.exp}&st=${tampered}`, /missing or invalid/],
      ['master playlist without a token', '/live01/playlist.m3u8', /missing or invalid/],
      ['master playlist, expired', `/live01/playlist.m3u8${q(expired)}`, /expired/],
      ['a cached segment without a token', '/live01/hi/100.ts', /missing or invalid/],
      ['a cached segment with a token of another signal', `/live01/hi/100.ts${q(otherSignal)}`, /missing or invalid/]
    ]
    const before = upstream.seen.length
    for (const [what, url, body] of cases) {
      const reply = await get(`${base}${url}`)
      const text = reply.body.toString()
      t.equal(reply.status, 403, `${what}: status`)
      t.match(text, body, `${what}: body says why`)
      t.equal(text.trimEnd().split('\n').length, 1, `${what}: one line`)
      t.equal(reply.headers['access-control-allow-origin'], '*', `${what}: CORS header on the refusal`)
      t.notOk(reply.headers['x-cache-status'], `${what}: no cache status`)
      t.match(reply.headers['content-type'], /^text\/plain/, `${what}: a text reason, not typed as the media asked for`)
    }
    t.equal((await get(`${base}/_edge/token-invalid`)).status, 404, 'the refusal locations are internal only')
    t.same(upstream.seen.slice(before), [], 'the upstream saw none of the refused requests')
  })

  await t.test('playlists with a good token pass; a multivariant one every time, a media one kept a second', async (t) => {
    for (const [playlist, expected] of [['/live01/playlist.m3u8', 2], ['/live01/hi/playlist.m3u8', 1]] as const) {
      for (let i = 0; i < 2; i++) {
        const reply = await get(`${base}${playlist}${q(good)}`)
        t.equal(reply.status, 200, playlist)
        t.match(reply.body.toString(), /^#EXTM3U/)
      }
      t.equal(upstream.pathsSeen().filter((p) => p === playlist).length, expected, `${playlist}: ${expected === 2 ? 'not cached (made per player)' : 'the second answer from the edge\'s cache'}`)
    }
  })

  await t.test('the manager\'s probe locations and CORS preflight need no token', async (t) => {
    t.equal((await get(`${base}/_edge/healthz`)).status, 200)
    const status = await get(`${base}/_edge/status`)
    t.equal(status.status, 200)
    t.match(status.body.toString(), /Active connections/)
    const preflight = await get(`${base}/live01/hi/300.ts`, 'OPTIONS')
    t.equal(preflight.status, 204)
    t.equal(preflight.headers['access-control-allow-origin'], '*')
  })

  t.notMatch(conf, KEY, 'the signing key itself is not in nginx.conf')
})

t.test('the edges service with SIGNING_KEY: edges come up live and refuse unsigned requests', async (t) => {
  const origin = await startFakeOrigin(t, 0)
  const reporter = await startReporter(t)
  const { service } = await startEdgesService(t, origin, reporter, { EDGES_MIN: '1', EDGES_MAX: '1', EDGE_TTL: '3s', EDGE_HEARTBEAT: '500ms', SIGNING_KEY: KEY })
  const edge = service.edges()[0]
  if (edge === undefined) throw new Error('no edge started')
  const token = mintPlaybackToken(KEY, 'live01', Math.floor(Date.now() / 1000) + 600)
  t.equal((await get(`${edge.url}/live01/360p/seg-1.ts${q(token)}`)).status, 200, 'signed segment')
  t.equal((await get(`${edge.url}/live01/360p/playlist.m3u8${q(token)}`)).status, 200, 'signed playlist')
  t.equal((await get(`${edge.url}/live01/360p/seg-2.ts`)).status, 403, 'unsigned segment')
  t.equal(origin.hits.get('/live01/360p/seg-2.ts'), undefined, 'the origin was not asked for it')
  // several probe rounds: the probes hit /_edge/* only, so the edge stays live
  for (let i = 0; i < 3; i++) await service.tick()
  t.equal(service.edges()[0]?.state, 'live', 'the manager\'s probes pass the token check')
  t.equal(service.edges()[0]?.nginxPid, edge.nginxPid, 'not replaced')
  await waitFor('the edge at the reporter', async () => {
    const response = await request(`http://127.0.0.1:${reporter.port}/edges`)
    const list = await response.body.json() as Array<{ url: string }>
    return list.some((e) => e.url === edge.url)
  }, { timeoutMs: 10_000 })
  t.pass('heartbeat lists the signed edge')
})
