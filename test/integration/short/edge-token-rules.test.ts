import t from 'tap'
import { chmod, mkdir, mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { request } from 'undici'
import { EDGE_EXP_BUCKET_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, checkPlaybackToken, edgeSecret, edgeSecureLinkToken, mintPlaybackToken, tokenQuery } from '../../../internal/auth/playback-signature.js'
import { expWindowPatterns } from '../../../internal/edges/edge-nginx-config.js'
import { EdgeStateDir } from '../../../internal/edges/edge-state-dir.js'
import { startSignedEdge, startUpstream } from '../../support/signed-edge-fixture.js'
import { startEdgesService, startFakeOrigin, startReporter } from '../../support/edges-test-helpers.js'

// Issue 11, case 6: the edge secret is readable by the service user only, and a cache hit at an
// edge obeys the origin's rules as far as nginx can check them: no token lives longer than the
// origin's maximum, and a query the origin would refuse (no sig, repeated or re-spelled names) is
// refused before the cache is asked.
const KEY = 'edge-rules-signing-key-0123456789abcdef'
const SECRET = edgeSecret(KEY)
const nowS = (): number => Math.floor(Date.now() / 1000)
const mode = async (p: string): Promise<number> => (await stat(p)).mode & 0o777

t.test('the origin refuses a token that lives longer than the maximum; sign-url cannot mint one', async (t) => {
  const now = nowS()
  const atMax = mintPlaybackToken(KEY, 'live01', now + MAX_TOKEN_LIFETIME_SECONDS)
  t.ok(checkPlaybackToken(KEY, SECRET, 'live01', { exp: String(atMax.exp), sig: atMax.sig }, now).ok, 'the maximum itself is fine')
  const tenYears = mintPlaybackToken(KEY, 'live01', now + 10 * 365 * 86_400)
  t.match(checkPlaybackToken(KEY, SECRET, 'live01', { exp: String(tenYears.exp), sig: tenYears.sig }, now), { ok: false, reason: /longer than the maximum/ })
  const { signUrlCommand } = await import('../../../internal/auth/sign-url-command.js')
  t.match(signUrlCommand(['live01', String(MAX_TOKEN_LIFETIME_SECONDS + 1)], { SIGNING_KEY: KEY }, now * 1000), { ok: false, error: /ttl-seconds must be .* to 86400/ })
})

t.test('the edge lifetime window, as the regexes nginx runs: one bucket ahead always, two never', async (t) => {
  // PCRE's \g{1} is JavaScript's \1; a group keeps a digit after it from joining the number
  const patterns = expWindowPatterns().map((p) => new RegExp(p.replaceAll('\\g{1}', '(?:\\1)')))
  const inWindow = (exp: number, nowMs: number): boolean => {
    const key = `${exp}:${(nowMs / 1000).toFixed(3)}`
    return patterns.some((p) => p.test(key))
  }
  t.ok(EDGE_EXP_BUCKET_SECONDS >= MAX_TOKEN_LIFETIME_SECONDS, 'every token the origin accepts passes the edge')
  const nows = [1_700_000_000, 1_799_999_999, 1_799_950_000, 1_899_999_000, 1_999_999_999, 1_809_999_999, 1_800_000_000]
  for (let i = 0; i < 200; i++) nows.push(1_700_000_000 + Math.floor(Math.random() * 290_000_000))
  const wrong: string[] = []
  for (const now of nows) {
    const ms = now * 1000 + 123
    for (const ahead of [0, 1, 60, 3600, MAX_TOKEN_LIFETIME_SECONDS, EDGE_EXP_BUCKET_SECONDS]) if (!inWindow(now + ahead, ms)) wrong.push(`${now} + ${ahead} refused`)
    for (const ahead of [2 * EDGE_EXP_BUCKET_SECONDS, 10 * EDGE_EXP_BUCKET_SECONDS, 10 * 365 * 86_400, -2 * EDGE_EXP_BUCKET_SECONDS]) if (inWindow(now + ahead, ms)) wrong.push(`${now} + ${ahead} passed`)
  }
  t.same(wrong, [], `${nows.length} clocks: up to one bucket ahead passes, two or more (or long expired) never`)
  t.notOk(inWindow(Number(`0${nowS()}`.slice(0, 10)), Date.now()), 'a leading zero is no exp')
})

t.test('EDGES_DIR: folders 0700 and nginx.conf 0600, also when an older manager left 0755/0644', async (t) => {
  const root = await mkdtemp(path.join(tmpdir(), 'zdhls-edgedir-'))
  t.teardown(async () => { await rm(root, { recursive: true, force: true }) })
  await chmod(root, 0o755)
  await mkdir(path.join(root, 'edge-8101'), { mode: 0o755 })
  await writeFile(path.join(root, 'edge-8101', 'nginx.conf'), 'secret', { mode: 0o644 })
  await chmod(path.join(root, 'edge-8101', 'nginx.conf'), 0o644)
  const dir = new EdgeStateDir(root)
  await dir.ensure()
  t.equal(await mode(root), 0o700, 'EDGES_DIR')
  t.equal(await mode(path.join(root, 'edge-8101')), 0o700, 'a left-over edge folder')
  t.equal(await mode(path.join(root, 'edge-8101', 'nginx.conf')), 0o600, 'a left-over config')
  t.equal(await mode(path.join(root, 'config-check', 'nginx.conf')), 0o600, 'the template check config, before it is written')
  await dir.preparePrefix(8102)
  // as the edges service writes it: plain writeFile, which keeps an existing file's mode
  await writeFile(dir.configPath(8102), 'secret')
  t.equal(await mode(dir.prefix(8102)), 0o700, 'a new edge folder')
  t.equal(await mode(dir.configPath(8102)), 0o600, 'a new edge config')
})

async function get (url: string): Promise<{ status: number, body: string, cache: string | undefined }> {
  const response = await request(url)
  const body = await response.body.text()
  const cache = response.headers['x-cache-status']
  return { status: response.statusCode, body, cache: typeof cache === 'string' ? cache : undefined }
}

t.test('real nginx: a cached segment obeys the origin\'s token rules', async (t) => {
  const upstream = await startUpstream(t)
  const edge = await startSignedEdge(t, upstream, KEY)
  if (edge === undefined) return
  const { base } = edge

  const now = nowS()
  const good = mintPlaybackToken(KEY, 'live01', now + 600)
  const seg = '/live01/hi/100.ts'
  t.equal((await get(`${base}${seg}?${tokenQuery(good)}`)).cache, 'MISS', 'filled with a good token')
  const hit = await get(`${base}${seg}?${tokenQuery(good)}`)
  t.same([hit.status, hit.cache], [200, 'HIT'], 'a good token: HIT')
  const atMax = mintPlaybackToken(KEY, 'live01', now + MAX_TOKEN_LIFETIME_SECONDS)
  t.same((await get(`${base}${seg}?${tokenQuery(atMax)}`)).status, 200, 'a token of the maximum lifetime: 200')
  const blocking = await get(`${base}/live01/hi/playlist.m3u8?_HLS_msn=12&_HLS_part=1&${tokenQuery(good)}`)
  t.equal(blocking.status, 200, 'a blocking reload with a good token passes (other names are free)')

  // what someone holding the edge secret (or an old token) could make without the signing key
  const stFor = (exp: number): string => edgeSecureLinkToken(SECRET, 'live01', exp)
  const tenYears = now + 10 * 365 * 86_400
  const threeDays = now + 3 * 86_400
  const fakeSig = 'A'.repeat(43)
  const { exp, sig, st } = good
  const cases: Array<[string, string, RegExp]> = [
    ['a 10-year st without sig', `exp=${tenYears}&st=${stFor(tenYears)}`, /missing or invalid/],
    ['a 10-year st with a well-formed sig', `exp=${tenYears}&sig=${fakeSig}&st=${stFor(tenYears)}`, /longer than allowed/],
    ['a 3-day st with a well-formed sig', `exp=${threeDays}&sig=${fakeSig}&st=${stFor(threeDays)}`, /longer than allowed/],
    ['a good st without sig', `exp=${exp}&st=${st}`, /missing or invalid/],
    ['a good st with a malformed sig', `exp=${exp}&sig=short&st=${st}`, /missing or invalid/],
    ['exp twice', `exp=${exp}&exp=${tenYears}&sig=${sig}&st=${st}`, /missing or invalid/],
    ['exp twice, once bare', `exp&exp=${exp}&sig=${sig}&st=${st}`, /missing or invalid/],
    ['sig twice', `exp=${exp}&sig=${sig}&sig=${fakeSig}&st=${st}`, /missing or invalid/],
    ['st twice', `exp=${exp}&sig=${sig}&st=${st}&st=${st}`, /missing or invalid/],
    ['upper-case names', `EXP=${exp}&SIG=${sig}&ST=${st}`, /missing or invalid/],
    ['one mixed-case name', `Exp=${exp}&sig=${sig}&st=${st}`, /missing or invalid/],
    ['an upper-case copy beside the real one', `exp=${exp}&sig=${sig}&st=${st}&ST=${st}`, /missing or invalid/],
    ['a percent-encoded name beside the real one', `exp=${exp}&sig=${sig}&st=${st}&%65xp=${tenYears}`, /missing or invalid/]
  ]
  const before = upstream.seen.length
  for (const [what, query, reason] of cases) {
    for (const target of [seg, '/live01/hi/playlist.m3u8']) {
      const reply = await get(`${base}${target}?${query}`)
      t.equal(reply.status, 403, `${what} (${target}): 403`)
      t.match(reply.body, reason, `${what}: says why`)
      t.notOk(reply.cache, `${what}: the cache was not asked`)
    }
  }
  t.same(upstream.seen.slice(before), [], 'the upstream saw none of them')
})

t.test('the edges service writes its configs 0600 in 0700 folders', async (t) => {
  const origin = await startFakeOrigin(t, 0)
  const reporter = await startReporter(t)
  const { service, dir } = await startEdgesService(t, origin, reporter, { EDGES_MIN: '1', EDGES_MAX: '1', SIGNING_KEY: KEY })
  t.equal(service.edges().length, 1, 'one edge up')
  t.equal(await mode(dir), 0o700, 'EDGES_DIR')
  const configs: string[] = []
  for (const name of await readdir(dir)) {
    const full = path.join(dir, name)
    if (!(await stat(full)).isDirectory()) continue
    t.equal(await mode(full), 0o700, `${name}/`)
    const conf = path.join(full, 'nginx.conf')
    if (await stat(conf).then(() => true, () => false)) {
      configs.push(name)
      t.equal(await mode(conf), 0o600, `${name}/nginx.conf`)
    }
  }
  t.ok(configs.some((n) => n.startsWith('edge-')), `an edge config was checked (${configs.join(', ')})`)
})
