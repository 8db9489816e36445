import t from 'tap'
import Fastify from 'fastify'
import type { AddressInfo } from 'node:net'
import { mintPlaybackToken, tokenQuery } from '../../../internal/auth/playback-signature.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const KEY = 'origin-signing-key-for-tests-0123456789'
const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))
const nowS = (): number => Math.floor(Date.now() / 1000)

async function startSignedOrigin (t: Parameters<typeof startPair>[0], env: Record<string, string> = {}): Promise<{ url: string, service: Awaited<ReturnType<typeof startOrigin>>['service'] }> {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const origin = await startOrigin(t, { packagers: [a.url, b.url], env: { SIGNING_KEY: KEY, ...env } })
  return origin
}

t.test('SIGNING_KEY set: a good token opens playlists and segments, and every URI carries it', async (t) => {
  const origin = await startSignedOrigin(t)
  const q = tokenQuery(mintPlaybackToken(KEY, 'live01', nowS() + 600))
  const entry = await waitFor('the signed entry playlist', async () => {
    const res = await get(`${origin.url}/live01/playlist.m3u8?${q}`)
    return res.status === 200 ? res : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  const variants = uriLines(entry.text)
  t.ok(variants.length >= 2, `${variants.length} variants`)
  for (const v of variants) t.ok(v.endsWith(`?${q}`), `variant ${v.split('?')[0] ?? ''} carries the token`)

  const media = await get(new URL(variants[0] as string, `${origin.url}/live01/playlist.m3u8`).href)
  t.equal(media.status, 200, 'the variant URI as written opens the media playlist')
  const segments = uriLines(media.text)
  t.ok(segments.length >= 3)
  for (const s of segments) t.match(s, new RegExp(`^\\d+\\.ts\\?${q.replace(/[?]/g, '\\?')}$`), 'segment URI carries the token')
  const segment = await get(new URL(segments.at(-1) as string, new URL(variants[0] as string, `${origin.url}/live01/playlist.m3u8`)).href)
  t.equal(segment.status, 200, 'the segment URI as written is served')
  t.match(segment.text, /^[AB]:/)

  const path = new URL(variants[0] as string, `${origin.url}/live01/playlist.m3u8`).href
  const blocking = await get(`${path}&_HLS_msn=${Number((segments.at(-1) as string).split('.')[0]) + 1}`)
  t.equal(blocking.status, 200, 'blocking reload works on a signed URL')
  t.ok(uriLines(blocking.text).every((l) => l.endsWith(`?${q}`)))
})

t.test('SIGNING_KEY set: missing, tampered, expired or other-signal tokens get 403 with a one-line reason', async (t) => {
  const origin = await startSignedOrigin(t)
  const good = mintPlaybackToken(KEY, 'live01', nowS() + 600)
  const goodQ = tokenQuery(good)
  // learn a real segment name with the good token first
  const media = await waitFor('the signed media playlist', async () => {
    const res = await get(`${origin.url}/live01/hi/playlist.m3u8?${goodQ}`)
    return res.status === 200 ? res : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  const segment = (uriLines(media.text).at(-1) as string).split('?')[0] as string
  t.equal((await get(`${origin.url}/live01/hi/${segment}?${goodQ}`)).status, 200)

  const flip = (s: string, i: number): string => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1)
  const expired = mintPlaybackToken(KEY, 'live01', nowS() - 1)
  const other = mintPlaybackToken(KEY, 'live02', nowS() + 600)
  const otherKey = mintPlaybackToken(KEY.replace('0', '1'), 'live01', nowS() + 600)
  const cases: Array<[string, string, RegExp]> = [
    ['no token', '', /missing exp or sig/],
    ['sig only', `sig=${good.sig}`, /missing exp or sig/],
    ['tampered sig', `exp=${good.exp}&sig=${flip(good.sig, 10)}`, /signature does not match/],
    ['extended exp', `exp=${good.exp + 86400}&sig=${good.sig}`, /signature does not match/],
    ['expired', tokenQuery(expired), /token expired/],
    ['other signal', tokenQuery(other), /signature does not match/],
    ['other key', tokenQuery(otherKey), /signature does not match/],
    ['repeated exp', `exp=${good.exp}&exp=${good.exp}&sig=${good.sig}`, /exp must be one unix time/],
    ['junk exp', `exp=tomorrow&sig=${good.sig}`, /exp must be one unix time/]
  ]
  const paths = ['/live01/playlist.m3u8', '/live01/hi/playlist.m3u8', `/live01/hi/${segment}`]
  for (const [what, query, reason] of cases) {
    for (const path of paths) {
      const res = await get(`${origin.url}${path}${query === '' ? '' : `?${query}`}`)
      t.equal(res.status, 403, `${what}: ${path} -> ${res.status}`)
      const body = JSON.parse(res.text) as { error: string, message: string }
      t.equal(body.error, 'ORIGIN_ERR_FORBIDDEN')
      t.match(body.message, reason)
      t.notMatch(res.text, /\n|\s+at\s+\S+\s+\(|stack/, 'one line, no stack trace')
    }
  }
  // an unsigned request for an unknown signal is refused before the origin starts following it
  t.equal((await get(`${origin.url}/other01/playlist.m3u8`)).status, 403)
  t.equal(origin.service.registry.all().filter((s) => s.signal === 'other01').length, 0, 'no session was created for it')
  t.equal((await get(`${origin.url}/healthz`)).status, 200, '/healthz needs no token')
})

t.test('edge URIs carry the token too, including the secure_link_md5 one', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const reporter = Fastify()
  reporter.get('/ingests', async () => [{ signal: 'live01', packagers: [a.url, b.url], last_reported: new Date().toUTCString() }])
  reporter.get('/edges', async () => [{ id: 'e1', url: 'http://127.0.0.1:18111', load_rps: 0 }])
  await reporter.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await reporter.close() })
  const origin = await startOrigin(t, {
    packagers: [a.url, b.url],
    reporterUrl: `http://127.0.0.1:${(reporter.server.address() as AddressInfo).port}`,
    env: { SIGNING_KEY: KEY, REPORTER_POLL_INTERVAL: '100ms' }
  })
  const token = mintPlaybackToken(KEY, 'live01', nowS() + 600)
  // the entry playlist offers the edge as a pathway: its variants on the edge carry the viewer's token
  const lines = await waitFor('variants on the edge', async () => {
    const res = await get(`${origin.url}/live01/playlist.m3u8?${tokenQuery(token)}`)
    const l = uriLines(res.text)
    return res.status === 200 && l.length >= 2 && l.every((x) => x.startsWith('http://127.0.0.1:18111/')) ? l : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  for (const line of lines) {
    const url = new URL(line)
    t.match(url.pathname, /^\/live01\/(hi|lo)\/playlist\.m3u8$/)
    t.same([...url.searchParams.keys()], ['exp', 'sig', 'st'])
    t.equal(url.searchParams.get('st'), token.st)
  }
})

t.test('SIGNING_KEY unset: everything works without tokens, and a token is simply ignored', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const origin = await startOrigin(t, { packagers: [a.url, b.url] })
  const media = await waitFor('the media playlist', async () => {
    const res = await get(`${origin.url}/live01/hi/playlist.m3u8`)
    return res.status === 200 ? res : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  const segments = uriLines(media.text)
  t.ok(segments.every((s) => /^\d+\.ts$/.test(s)), 'no query on URIs')
  t.equal((await get(`${origin.url}/live01/playlist.m3u8`)).status, 200)
  t.equal((await get(`${origin.url}/live01/hi/${segments.at(-1) as string}`)).status, 200)
  t.equal((await get(`${origin.url}/live01/hi/playlist.m3u8?exp=1&sig=junk`)).status, 200)
})
