// Logs tell expected from broken: a condition the service handles (no packager can serve yet, a
// blocking reload that timed out, a request released at shutdown) is one line at warn or info with
// no stack; a real bug keeps error level and its stack. Logged URLs never carry the query string.
import t, { type Test } from 'tap'
import { pino, type Logger } from 'pino'
import { expectedLevel } from '../../../internal/http/error-table.js'
import { createHttpApp } from '../../../internal/http/http-app.js'
import { HttpErrors } from '../../../internal/http/http-errors.js'
import { createMetricsRegistry } from '../../../internal/metrics/metrics-registry.js'
import { OriginErrors } from '../../../internal/origin/origin-errors.js'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { OriginService } from '../../../internal/origin/origin-service.js'
import { PackagerErrors } from '../../../internal/packager/packager-errors.js'
import { startFixture } from '../../support/packager-fixture.js'
import { freePort } from '../../support/free-port.js'
import { waitFor } from '../../support/wait-for.js'

const WARN = 40
const INFO = 30
const ERROR = 50
// what a signed playback URL carries; none of it may reach a log line
const SIGNED_QUERY = 'exp=1767225600&sig=c2VjcmV0LXNpZ25hdHVyZQ&st=session-token-42'
const SECRETS = ['1767225600', 'c2VjcmV0LXNpZ25hdHVyZQ', 'session-token-42', 'sig=', 'exp=']

interface LogLine { readonly level: number, readonly msg?: string, readonly code?: string, readonly url?: string, readonly err?: { stack?: string }, readonly [key: string]: unknown }

/** A pino logger writing JSON lines into memory, as a service would to stdout. */
function capture (): { log: Logger, lines: LogLine[], raw: string[] } {
  const raw: string[] = []
  const lines: LogLine[] = []
  const log = pino({ level: 'debug' }, { write: (chunk: string) => { raw.push(chunk); lines.push(JSON.parse(chunk) as LogLine) } })
  return { log, lines, raw }
}

function linesFor (lines: readonly LogLine[], code: string): LogLine[] {
  return lines.filter((l) => l.code === code)
}

/** One line, at `level`, no stack or error object, path kept and query redacted. */
function assertExpectedLine (t: Test, lines: readonly LogLine[], raw: readonly string[], code: string, level: number, path: string): void {
  const mine = linesFor(lines, code)
  t.equal(mine.length, 1, `${code}: exactly one log line`)
  const line = mine[0]
  if (line === undefined) return
  t.equal(line.level, level, `${code}: level ${level}`)
  t.notOk('err' in line, `${code}: no error object`)
  t.notOk(JSON.stringify(line).includes('stack'), `${code}: no stack`)
  t.match(line, { method: 'GET', url: `${path}?[redacted]` }, `${code}: method and path, query redacted`)
  t.ok(typeof line.msg === 'string' && line.msg.length > 0, `${code}: says what happened`)
  for (const secret of SECRETS) t.notOk(raw.some((l) => l.includes(secret)), `no log line carries '${secret}'`)
}

t.test('every code of the HTTP, origin and packager tables is declared expected: warn for 5xx, info for 4xx and shutdown', async (t) => {
  const shutdown = new Set(['HTTP_ERR_DRAINING', 'PACKAGER_ERR_CLOSING'])
  for (const table of [HttpErrors, OriginErrors, PackagerErrors]) {
    for (const ErrorClass of Object.values(table)) {
      const err = new ErrorClass('x', 'y')
      const status = err.statusCode ?? 500
      const want = status < 500 || shutdown.has(err.code) ? 'info' : 'warn'
      t.equal(expectedLevel(err, status), want, `${err.code} (${status}) at ${want}`)
    }
  }
  t.equal(expectedLevel(new Error('boom'), 500), undefined, 'a plain Error is not expected')
  t.equal(expectedLevel({ code: 'ORIGIN_ERR_NO_UPSTREAM', statusCode: 503 }, 503), undefined, 'nor an object that only carries a declared code')
})

t.test('http app: errors from our tables are one line without a stack; anything else is a bug with its stack', async (t) => {
  const { log, lines, raw } = capture()
  const { app } = createHttpApp({ log, metrics: createMetricsRegistry('test') })
  t.teardown(async () => { await app.close() })
  app.get('/no-upstream', async () => { throw new OriginErrors.NO_UPSTREAM('live01') })
  app.get('/origin-blocking', async () => { throw new OriginErrors.BLOCKING_TIMEOUT('42', '6.0') })
  app.get('/packager-blocking', async () => { throw new PackagerErrors.BLOCKING_TIMEOUT(42) })
  app.get('/closing', async () => { throw new PackagerErrors.CLOSING() })
  app.get('/draining', async () => { throw new HttpErrors.DRAINING() })
  app.get('/bad-name', async () => { throw new HttpErrors.BAD_NAME('signal', 'x y') })
  app.get('/boom', async () => { throw new TypeError('cannot read properties of undefined') })
  app.get('/fake-503', async () => { throw Object.assign(new Error('looks coded, is not'), { statusCode: 503, code: 'ORIGIN_ERR_NO_UPSTREAM' }) })

  const expected: Array<[string, string, number, number]> = [
    ['/no-upstream', 'ORIGIN_ERR_NO_UPSTREAM', 503, WARN],
    ['/origin-blocking', 'ORIGIN_ERR_BLOCKING_TIMEOUT', 503, WARN],
    ['/packager-blocking', 'PACKAGER_ERR_BLOCKING_TIMEOUT', 503, WARN],
    ['/closing', 'PACKAGER_ERR_CLOSING', 503, INFO],
    ['/draining', 'HTTP_ERR_DRAINING', 503, INFO],
    ['/bad-name', 'HTTP_ERR_BAD_NAME', 400, INFO]
  ]
  for (const [path, code, status] of expected) {
    const res = await app.inject(`${path}?_HLS_msn=42&${SIGNED_QUERY}`)
    t.equal(res.statusCode, status, `${path} answers ${status}`)
    t.equal(res.json().error, code)
  }
  for (const [path, code, , level] of expected) assertExpectedLine(t, lines, raw, code, level, path)

  // the control: a real bug keeps error level and its stack, still without the query
  const boom = await app.inject(`/boom?${SIGNED_QUERY}`)
  t.equal(boom.statusCode, 500)
  const bug = lines.filter((l) => l.url === '/boom?[redacted]')
  t.equal(bug.length, 1, 'the bug is logged once')
  t.equal(bug[0]?.level, ERROR, 'at error level')
  t.match(bug[0]?.err?.stack, /TypeError: cannot read properties of undefined\n\s+at /, 'with its stack')

  // an error that only borrows a declared code is not from our table: still a bug
  const fake = await app.inject('/fake-503')
  t.equal(fake.statusCode, 503)
  const fakeLine = lines.find((l) => l.url === '/fake-503')
  t.equal(fakeLine?.level, ERROR, 'a look-alike 503 is logged as a bug')
  t.ok(typeof fakeLine?.err?.stack === 'string', 'with its stack')
  for (const secret of SECRETS) t.notOk(raw.some((l) => l.includes(secret)), `no log line carries '${secret}'`)
})

t.test('packager: a blocking reload that times out is one warn line; one held at shutdown is one info line; nothing at error', async (t) => {
  const { log, lines, raw } = capture()
  const fixture = await startFixture(t, {}, log)
  const path = '/live01/360p/playlist.m3u8'
  // the playlist lists 10..12 with TD 1: 13 is allowed to wait, and times out after 3 s
  const timedOut = await fetch(`${fixture.url}${path}?_HLS_msn=13&${SIGNED_QUERY}`)
  t.equal(timedOut.status, 503)
  t.equal(((await timedOut.json()) as { error: string }).error, 'PACKAGER_ERR_BLOCKING_TIMEOUT')
  assertExpectedLine(t, lines, raw, 'PACKAGER_ERR_BLOCKING_TIMEOUT', WARN, path)

  const held = fetch(`${fixture.url}${path}?_HLS_msn=13&${SIGNED_QUERY}`)
  await waitFor('the reload to be held', async () => /packager_blocked_reload_waiters\S* 1\b/.test(await (await fetch(`${fixture.url}/metrics`)).text()), { timeoutMs: 10_000, intervalMs: 20 })
  const closed = fixture.service.close()
  const released = await held
  t.equal(released.status, 503)
  t.equal(((await released.json()) as { error: string }).error, 'PACKAGER_ERR_CLOSING')
  await closed
  assertExpectedLine(t, lines, raw, 'PACKAGER_ERR_CLOSING', INFO, path)
  t.same(lines.filter((l) => l.level >= ERROR), [], 'no error line from start to close')
})

t.test('origin: a 503 while no packager can serve is one warn line with the query redacted; nothing at error through close', async (t) => {
  const { log, lines, raw } = capture()
  // a packager on the allow-list that is not there, and no reporter
  const config = loadOriginConfig({
    HOST: '127.0.0.1',
    ORIGIN_PORT: '0',
    PACKAGER_ALLOWLIST: `http://127.0.0.1:${await freePort()}`,
    REPORTER_URL: `http://127.0.0.1:${await freePort()}`
  })
  const origin = new OriginService(config, log)
  t.teardown(async () => { await origin.close() })
  await origin.start()
  const path = '/live01/playlist.m3u8'
  const res = await fetch(`http://127.0.0.1:${origin.port}${path}?${SIGNED_QUERY}`, { signal: AbortSignal.timeout(30_000) })
  t.equal(res.status, 503)
  t.equal(((await res.json()) as { error: string }).error, 'ORIGIN_ERR_NO_UPSTREAM')
  await origin.close()
  assertExpectedLine(t, lines, raw, 'ORIGIN_ERR_NO_UPSTREAM', WARN, path)
  t.same(lines.filter((l) => l.level >= ERROR), [], 'no error line from start to close')
})
