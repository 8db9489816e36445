import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { checkPlaybackToken, edgeSecret, edgeSecureLinkToken, mintPlaybackToken, playbackSignature, tokenQuery } from '../../../internal/auth/playback-signature.js'
import { PlaybackGuard } from '../../../internal/auth/playback-guard.js'
import { addQueryToPlaylistUris } from '../../../internal/auth/signed-playlist.js'
import { SignedPlaylistCache } from '../../../internal/auth/signed-playlist-cache.js'
import { readSigningKey } from '../../../internal/auth/signing-key.js'
import { signUrlCommand } from '../../../internal/auth/sign-url-command.js'
import { compiledServiceArgs } from '../../support/compiled-services.js'
import { createHash } from 'node:crypto'

const KEY = 'k'.repeat(16) + '0123456789abcdef0123'
const NOW_S = 1_700_000_000

t.test('a token verifies for its signal until it expires, and for nothing else', async (t) => {
  const secret = edgeSecret(KEY)
  const token = mintPlaybackToken(KEY, 'live01', NOW_S + 60)
  const q = { exp: String(token.exp), sig: token.sig }
  const good = checkPlaybackToken(KEY, secret, 'live01', q, NOW_S)
  t.ok(good.ok, 'good token')
  if (good.ok) t.same(good.token, token, 'the edge token is derived, identical to what was minted')
  const reason = (query: Record<string, unknown>, signal = 'live01', now = NOW_S): string => {
    const r = checkPlaybackToken(KEY, secret, signal, query, now)
    return r.ok ? 'ok' : r.reason
  }
  t.equal(reason({ ...q }, 'live02'), 'signature does not match this signal and expiry', 'another signal')
  t.equal(reason({ ...q, exp: String(token.exp + 3600) }), 'signature does not match this signal and expiry', 'a longer expiry')
  const flipped = (token.sig[5] === 'A' ? 'B' : 'A')
  t.equal(reason({ ...q, sig: token.sig.slice(0, 5) + flipped + token.sig.slice(6) }), 'signature does not match this signal and expiry', 'a changed character')
  t.equal(reason(q, 'live01', token.exp), 'token expired', 'at exp the token is no longer valid')
  t.equal(reason(q, 'live01', token.exp - 1), 'ok')
  t.equal(reason({}), 'missing exp or sig query parameter')
  t.equal(reason({ exp: q.exp }), 'missing exp or sig query parameter')
  t.equal(reason({ ...q, exp: [q.exp, q.exp] }), 'exp must be one unix time in seconds', 'a repeated parameter is refused')
  t.equal(reason({ ...q, exp: '-5' }), 'exp must be one unix time in seconds')
  t.equal(reason({ ...q, exp: '1e12' }), 'exp must be one unix time in seconds')
  t.equal(reason({ ...q, sig: token.sig + '=' }), 'sig must be one base64url HMAC-SHA256')
  t.equal(reason({ ...q, sig: token.sig.replace(/-/g, '+').replace(/_/g, '/') + (token.sig.includes('-') || token.sig.includes('_') ? '' : '!') }), 'sig must be one base64url HMAC-SHA256', 'standard base64 is not base64url')
  // the last of 43 base64url characters carries 2 spare bits: a non-canonical spelling decodes to
  // the same bytes, and must still be refused so that "tampered" always means "refused"
  const last = token.sig.at(-1) as string
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_'
  const sameBytes = alphabet[(alphabet.indexOf(last) & ~3) + ((alphabet.indexOf(last) + 1) & 3)] as string
  t.equal(Buffer.from(token.sig.slice(0, -1) + sameBytes, 'base64url').toString('base64url'), token.sig, 'the variant decodes to the same MAC')
  t.equal(reason({ ...q, sig: token.sig.slice(0, -1) + sameBytes }), 'sig must be one base64url HMAC-SHA256')
  t.not(playbackSignature(KEY + 'x', 'live01', token.exp), token.sig, 'another key signs differently')
})

t.test('the edge token is what nginx secure_link_md5 "$secure_link_expires$signal_prefix $secret" computes', async (t) => {
  const secret = edgeSecret(KEY)
  t.not(secret, KEY, 'edges never get the signing key itself')
  const expected = createHash('md5').update(`${NOW_S}/live01/ ${secret}`).digest('base64').replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '')
  t.equal(edgeSecureLinkToken(secret, 'live01', NOW_S), expected)
  t.equal(tokenQuery(mintPlaybackToken(KEY, 'live01', NOW_S)), `exp=${NOW_S}&sig=${playbackSignature(KEY, 'live01', NOW_S)}&st=${expected}`)
})

t.test('every URI of a playlist carries the token; tags without URIs are untouched', async (t) => {
  const master = [
    '#EXTM3U',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio/playlist.m3u8"',
    '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"',
    '360p/playlist.m3u8',
    '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="iframes.m3u8"',
    ''
  ].join('\n')
  const out = addQueryToPlaylistUris(master, 'exp=1&sig=x')
  t.equal(out, [
    '#EXTM3U',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="a",NAME="en",URI="audio/playlist.m3u8?exp=1&sig=x"',
    '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360,CODECS="avc1.4d401e,mp4a.40.2"',
    '360p/playlist.m3u8?exp=1&sig=x',
    '#EXT-X-I-FRAME-STREAM-INF:BANDWIDTH=1,URI="iframes.m3u8?exp=1&sig=x"',
    ''
  ].join('\n'))
  const media = '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.000,\n10.ts\n#EXTINF:1.000,\nhttp://127.0.0.1:8101/live01/hi/11.ts\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="12.ts?x=1"\n'
  t.equal(addQueryToPlaylistUris(media, 'exp=1&sig=x'),
    '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1.000,\n10.ts?exp=1&sig=x\n#EXTINF:1.000,\nhttp://127.0.0.1:8101/live01/hi/11.ts?exp=1&sig=x\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="12.ts?x=1&exp=1&sig=x"\n')
})

t.test('signed playlists are rendered once per playlist version and distinct token, within a bound', async (t) => {
  const cache = new SignedPlaylistCache(2)
  // the origin renders each playlist version into a new Buffer; the cache knows it by identity
  const v1 = Buffer.from('#EXTM3U\n1.ts\n')
  const v2 = Buffer.from('#EXTM3U\n1.ts\n2.ts\n')
  t.equal(cache.get('live01/hi', v1, 'q=a').toString(), '#EXTM3U\n1.ts?q=a\n')
  for (let i = 0; i < 100; i++) cache.get('live01/hi', v1, 'q=a')
  t.equal(cache.renders, 1, '101 requests with one token: one render')
  cache.get('live01/hi', v1, 'q=b')
  t.equal(cache.renders, 2, 'a second token: one more')
  t.equal(cache.get('live01/hi', v2, 'q=a').toString(), '#EXTM3U\n1.ts?q=a\n2.ts?q=a\n', 'a new version is rendered, never an old one served')
  t.equal(cache.renders, 3)
  cache.get('live01/lo', v1, 'q=a')
  cache.get('live01/hi', v2, 'q=b')
  cache.get('live01/hi', v2, 'q=a')
  t.equal(cache.renders, 6, 'the least recently used entry left: the bound holds')

  let now = NOW_S * 1000
  const guard = new PlaybackGuard(KEY, () => now, 16)
  const token = mintPlaybackToken(KEY, 'live01', NOW_S + 10)
  const check = guard.check('live01', { exp: String(token.exp), sig: token.sig })
  t.ok(check.ok)
  now += 10_000
  t.same(guard.check('live01', { exp: String(token.exp), sig: token.sig }), { ok: false, reason: 'token expired' }, 'the guard reads its clock per request')
})

t.test('SIGNING_KEY: unset is off, a short or spaced key names the variable', async (t) => {
  t.equal(readSigningKey({}), undefined)
  t.equal(readSigningKey({ SIGNING_KEY: '   ' }), undefined)
  t.equal(readSigningKey({ SIGNING_KEY: KEY }), KEY)
  t.throws(() => readSigningKey({ SIGNING_KEY: 'short' }), /^SIGNING_KEY: must be 32 to 1024 printable ASCII/)
  t.throws(() => readSigningKey({ SIGNING_KEY: `${KEY} ${KEY}` }), /^SIGNING_KEY/)
  const { loadOriginConfig } = await import('../../../internal/origin/origin-config.js')
  t.equal(loadOriginConfig({}).signingKey, undefined)
  t.equal(loadOriginConfig({ SIGNING_KEY: KEY }).signingKey, KEY)
  t.throws(() => loadOriginConfig({ SIGNING_KEY: 'short' }), /^SIGNING_KEY/)
})

t.test('sign-url mints an entry URL that the origin check accepts', async (t) => {
  const env = { SIGNING_KEY: KEY, ORIGIN_PUBLIC_URL: 'https://play.example.com' }
  const r = signUrlCommand(['live01', '3600'], env, NOW_S * 1000)
  t.ok(r.ok)
  if (!r.ok) return
  const url = new URL(r.output)
  t.equal(`${url.origin}${url.pathname}`, 'https://play.example.com/live01/playlist.m3u8')
  t.equal(url.searchParams.get('exp'), String(NOW_S + 3600))
  t.ok(checkPlaybackToken(KEY, edgeSecret(KEY), 'live01', Object.fromEntries(url.searchParams), NOW_S + 3599).ok)
  t.match(signUrlCommand(['live01'], env, 0), { ok: false, error: /^usage: sign-url/ })
  t.match(signUrlCommand(['../x', '60'], env, 0), { ok: false, error: /invalid signal name/ })
  t.match(signUrlCommand(['live01', '1h'], env, 0), { ok: false, error: /ttl-seconds must be a whole number/ })
  t.match(signUrlCommand(['live01', '60'], {}, 0), { ok: false, error: /^SIGNING_KEY: must be set/ })
  t.match(signUrlCommand(['live01', '60'], { SIGNING_KEY: KEY, ORIGIN_PUBLIC_URL: 'ftp://x' }, 0), { ok: false, error: /^ORIGIN_PUBLIC_URL/ })
  t.match(signUrlCommand(['live01', '60'], { SIGNING_KEY: KEY, ORIGIN_PORT: '9001' }, 0), { ok: true, output: /^http:\/\/localhost:9001\/live01\/playlist\.m3u8\?exp=/ })
})

t.test('the CLI prints the URL on stdout and exits 2 with one line on a bad call', async (t) => {
  const run = promisify(execFile)
  const env: NodeJS.ProcessEnv = { ...process.env, SIGNING_KEY: KEY, ORIGIN_PORT: '8001' }
  // tap's loaders are for the test process; the CLI runs compiled, as production runs it
  const cli = await compiledServiceArgs('cmd/sign-url/main.ts')
  delete env.NODE_OPTIONS
  const { stdout } = await run(process.execPath, [...cli, 'live01', '3600'], { env, timeout: 60_000 })
  t.match(stdout, /^http:\/\/localhost:8001\/live01\/playlist\.m3u8\?exp=\d+&sig=[A-Za-z0-9_-]{43}&st=[A-Za-z0-9_-]{22}\n$/)
  const failed = await run(process.execPath, [...cli, 'live01'], { env, timeout: 60_000 }).then(() => undefined, (err: { code: number, stderr: string }) => err)
  t.equal(failed?.code, 2)
  t.match(failed?.stderr, /^sign-url: usage: sign-url <signal> <ttl-seconds>/)
})
