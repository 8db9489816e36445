import t from 'tap'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { mintPlaybackToken, tokenQuery } from '../../../internal/auth/playback-signature.js'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { OriginService } from '../../../internal/origin/origin-service.js'
import { redactQueries } from '../../../internal/edges/edge-state-dir.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startPair } from '../../support/origin-harness.js'
import { freePort } from '../../support/free-port.js'
import { waitFor } from '../../support/wait-for.js'

// Issue 11, case 5: a playback token in a log line is a free ticket for whoever reads the logs.
// A real origin (in-process, port 0, SIGNING_KEY set) answers 403, 404, 400, 414, 502 and 503 to
// requests carrying tokens; no line it logs, at any level, holds a token's exp, sig or st.
const KEY = 'token-logging-signing-key-0123456789abcdef'
const nowS = (): number => Math.floor(Date.now() / 1000)
const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

t.test('no origin log line carries a playback token, whatever the answer', async (t) => {
  const lines: string[] = []
  const sink = new Writable({ write (chunk: Buffer, _enc, done) { lines.push(...chunk.toString().split('\n').filter((l) => l !== '')); done() } })
  const { a, b } = await startPair(t)
  const stopAdvancing = advanceEvery(t, [a, b], 1000)
  const config = loadOriginConfig({
    HOST: '127.0.0.1',
    ORIGIN_PORT: '0',
    PACKAGER_ALLOWLIST: `${a.url},${b.url}`,
    REPORTER_URL: `http://127.0.0.1:${await freePort()}`,
    EDGE_ALLOWLIST: 'http://127.0.0.1:1-65535',
    SIGNING_KEY: KEY
  })
  const origin = new OriginService(config, pino({ level: 'trace' }, sink))
  t.teardown(async () => { await origin.close() })
  await origin.start()
  const base = `http://127.0.0.1:${origin.port}`

  const good = mintPlaybackToken(KEY, 'live01', nowS() + 600)
  const expired = mintPlaybackToken(KEY, 'live01', nowS() - 3600)
  const flipped = `${good.sig.slice(0, 10)}${good.sig[10] === 'A' ? 'B' : 'A'}${good.sig.slice(11)}`
  const q = tokenQuery(good)
  const media = await waitFor('the signed media playlist', async () => {
    const res = await get(`${base}/live01/hi/playlist.m3u8?${q}`)
    return res.status === 200 ? res : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  const listed = uriLines(media.text).map((l) => l.split('?')[0] as string)
  const newest = Number((listed.at(-1) as string).split('.')[0])

  const answers: Array<[string, number, string]> = []
  const ask = async (what: string, path: string): Promise<void> => {
    const res = await get(`${base}${path}`, 30_000)
    answers.push([what, res.status, path])
  }
  await ask('403 tampered sig', `/live01/hi/playlist.m3u8?exp=${good.exp}&sig=${flipped}&st=${good.st}`)
  await ask('403 expired', `/live01/hi/${listed[0] ?? ''}?${tokenQuery(expired)}`)
  await ask('404 unknown segment', `/live01/hi/1.ts?${q}`)
  await ask('404 unknown playlist name', `/live01/hi/other.m3u8?${q}`)
  await ask('404 no route', `/live01/hi/x/y/z?${q}`)
  await ask('400 bad blocking request', `/live01/hi/playlist.m3u8?_HLS_msn=x&${q}`)
  await ask('414 over-long path part', `/live01/${'a'.repeat(300)}?${q}`)
  // every packager fails the newest segment: 502 after the hold
  a.segmentFault = () => '500'
  b.segmentFault = () => '500'
  await ask('502 segment unavailable', `/live01/lo/${newest}.ts?${q}`)
  // the timeline stops: a blocking reload for the next segment times out with 503
  stopAdvancing()
  const now = uriLines((await get(`${base}/live01/hi/playlist.m3u8?${q}`)).text).at(-1)?.split('.')[0]
  await ask('503 blocking timeout', `/live01/hi/playlist.m3u8?_HLS_msn=${Number(now) + 1}&${q}`)
  for (const [what, status] of answers) t.equal(status, Number(what.slice(0, 3)), what)

  const errorLines = lines.filter((l) => /"status":(4|5)\d\d/.test(l))
  t.ok(errorLines.length >= 7, `the refusals were logged (${errorLines.length} lines)`)
  t.ok(errorLines.some((l) => l.includes('/live01/hi/playlist.m3u8?[redacted]')), 'the path is still logged, the query only as redacted')
  const secrets = [good.sig, good.st, String(good.exp), expired.sig, expired.st, String(expired.exp), flipped]
  const leaks = lines.filter((l) => secrets.some((s) => l.includes(s)) || /[?&](exp|sig|st)=/.test(l))
  t.same(leaks, [], 'no log line carries exp, sig or st')
})

t.test('edge error.log lines reach the manager\'s logs without their queries', async (t) => {
  const line = '2026/11/30 08:00:00 [error] 12#12: *3 upstream timed out, client: 127.0.0.1, request: "GET /live01/hi/5.ts?exp=1796000000&sig=abc&st=def HTTP/1.1", upstream: "http://127.0.0.1:8001/live01/hi/5.ts?exp=1796000000&sig=abc&st=def", host: "x"'
  const redacted = redactQueries(line)
  t.notMatch(redacted, /exp=|sig=|st=/)
  t.match(redacted, 'GET /live01/hi/5.ts?[redacted] HTTP/1.1')
  t.match(redacted, 'upstream: "http://127.0.0.1:8001/live01/hi/5.ts?[redacted]"')
})
