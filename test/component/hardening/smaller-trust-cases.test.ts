import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { request as httpRequest } from 'node:http'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import { pino } from 'pino'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { OriginService } from '../../../internal/origin/origin-service.js'
import { probeInput } from '../../../internal/worker/input-probe.js'
import { get, startOrigin, startPairAndOrigin } from '../../support/origin-harness.js'

// Issue 11, case 7 (all but the reporter's type coercion): _HLS_part is checked, only a listed
// playlist name answers a rendition's playlist, a 414 says so, a missing input is one line, and
// in signed mode the status page is off unless asked for.
const KEY = 'smaller-cases-signing-key-0123456789abcdef'
const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

t.test('_HLS_part beside _HLS_msn must be a non-negative integer', async (t) => {
  const { origin } = await startPairAndOrigin(t)
  const media = await get(`${origin.url}/live01/hi/playlist.m3u8`)
  const newest = Number((uriLines(media.text).at(-1) as string).split('.')[0])
  for (const part of ['x', '-1', '1.5', '', '1e3', '99999999999']) {
    const res = await get(`${origin.url}/live01/hi/playlist.m3u8?_HLS_msn=${newest}&_HLS_part=${part}`)
    t.equal(res.status, 400, `_HLS_part=${part}: 400`)
    t.match(res.text, /_HLS_part must be a non-negative integer/)
  }
  const twice = await get(`${origin.url}/live01/hi/playlist.m3u8?_HLS_msn=${newest}&_HLS_part=0&_HLS_part=1`)
  t.equal(twice.status, 400, '_HLS_part twice: 400')
  t.equal((await get(`${origin.url}/live01/hi/playlist.m3u8?_HLS_msn=${newest}&_HLS_part=0`)).status, 200, '_HLS_part=0: 200')
})

t.test('only the playlist name the multivariant playlist lists answers a rendition\'s playlist', async (t) => {
  const { origin } = await startPairAndOrigin(t)
  const master = await get(`${origin.url}/live01/playlist.m3u8`)
  t.ok(uriLines(master.text).includes('hi/playlist.m3u8'), 'hi/playlist.m3u8 is listed')
  t.equal((await get(`${origin.url}/live01/hi/playlist.m3u8`)).status, 200)
  for (const name of ['index.m3u8', 'other.m3u8', 'lo.m3u8', 'playlist2.m3u8']) {
    const res = await get(`${origin.url}/live01/hi/${name}`)
    t.equal(res.status, 404, `hi/${name}: 404`)
    t.notMatch(res.text, /#EXTM3U/, `hi/${name}: no playlist`)
  }
})

t.test('a path part over the limit answers 414 URI Too Long, in our error shape', async (t) => {
  const origin = await startOrigin(t, { packagers: ['http://127.0.0.1:9'] })
  const answer = await new Promise<{ status: number, statusText: string, body: string }>((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: origin.port, path: `/live01/${'a'.repeat(300)}?exp=1&sig=2&st=3` }, (res) => {
      let body = ''
      res.on('data', (c: Buffer) => { body += c.toString() })
      res.on('end', () => resolve({ status: res.statusCode ?? 0, statusText: res.statusMessage ?? '', body }))
    })
    req.on('error', reject)
    req.end()
  })
  t.equal(answer.status, 414)
  t.equal(answer.statusText, 'URI Too Long')
  const body = JSON.parse(answer.body) as { error: string, message: string }
  t.equal(body.error, 'HTTP_ERR_URI_TOO_LONG')
  t.match(body.message, /^URI too long/)
  t.notMatch(answer.body, /Bad Request/, 'not called a bad request')
  t.notMatch(answer.body, /aaaaaaaaaa/, 'the path is not echoed back')
})

t.test('a missing input is one line naming INPUT_STREAM_PATH, no stack trace', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'zdhls-missing-input-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const err = await probeInput('ffprobe', join(dir, 'missing.mp4')).then(() => undefined, (e: Error) => e)
  if (err === undefined) throw new Error('probeInput accepted a missing file')
  t.match(err.message, /INPUT_STREAM_PATH.*no such file/)
  // as the worker's start-failure line logs it
  const lines: string[] = []
  const log = pino({ level: 'info' }, new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } }))
  log.fatal({ err }, 'start failed')
  t.equal(lines.length, 1)
  t.notMatch(lines[0], /\\n\s+at /, 'no stack frames in the line')
  t.notMatch(err.stack ?? '', /\n/, 'the stack is one line')
})

t.test('with SIGNING_KEY the status page is off unless STATUS_PAGE asks for it', async (t) => {
  t.equal(loadOriginConfig({}).statusPage, true, 'unsigned: on (a developer\'s machine)')
  t.equal(loadOriginConfig({ SIGNING_KEY: KEY }).statusPage, false, 'signed: off by default')
  t.equal(loadOriginConfig({ SIGNING_KEY: KEY, STATUS_PAGE: 'true' }).statusPage, true, 'signed: on when asked for')
  t.equal(loadOriginConfig({ STATUS_PAGE: 'false' }).statusPage, false)
  const signed = await startOrigin(t, { packagers: ['http://127.0.0.1:9'], env: { SIGNING_KEY: KEY } })
  t.equal((await get(`${signed.url}/status.json`)).status, 404, 'signed origin: no /status.json')
  t.equal((await get(`${signed.url}/`)).status, 404, 'signed origin: no status page')
  const open = await startOrigin(t, { packagers: ['http://127.0.0.1:9'] })
  t.equal((await get(`${open.url}/status.json`)).status, 200, 'unsigned origin: /status.json as before')
})

t.test('a status page served beyond loopback is said loudly at start', async (t) => {
  const started = async (host: string, env: Record<string, string>): Promise<string[]> => {
    const lines: string[] = []
    const log = pino({ level: 'info' }, new Writable({ write (chunk: Buffer, _enc, done) { lines.push(chunk.toString()); done() } }))
    const origin = new OriginService(loadOriginConfig({ HOST: host, ORIGIN_PORT: '0', PACKAGER_ALLOWLIST: 'http://127.0.0.1:9', REPORTER_URL: 'http://127.0.0.1:9', ...env }), log)
    t.teardown(async () => { await origin.close() })
    await origin.start()
    return lines.filter((l) => l.includes('status page is public'))
  }
  const loud = await started('0.0.0.0', { SIGNING_KEY: KEY, STATUS_PAGE: 'true' })
  t.equal(loud.length, 1, 'signed, STATUS_PAGE=true, all interfaces: one warning')
  t.match(loud[0], /"level":40/)
  t.same(await started('127.0.0.1', {}), [], 'loopback: nothing to say')
  t.same(await started('0.0.0.0', { SIGNING_KEY: KEY }), [], 'signed, default: the page is off, nothing to say')
})
