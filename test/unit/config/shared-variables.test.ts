import t, { type Test } from 'tap'
import fc from 'fast-check'
import { ConfigError } from '../../../internal/config/config-error.js'
import { loadCommonConfig } from '../../../internal/config/common-config.js'
import { localPackagerUrls, readOriginPort, readPackagerPorts, readReporterPort, readReporterUrls } from '../../../internal/config/peer-addresses.js'
import { readMaxPlaylistAgeMs } from '../../../internal/config/playlist-age.js'
import { readOptionalBoolean } from '../../../internal/config/env-readers.js'
import { readTokenVariable, readWriterToken } from '../../../internal/config/writer-tokens.js'
import type { Env } from '../../../internal/config/env-readers.js'
import { loadDiscoveryConfig } from '../../../internal/discovery/discovery-config.js'
import { loadEdgesConfig } from '../../../internal/edges/edges-config.js'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { loadPackagerConfig } from '../../../internal/packager/packager-config.js'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { loadWorkerConfig } from '../../../internal/worker/worker-config.js'

type Outcome = { ok: true, value: unknown } | { ok: false, message: string }

function outcome (read: () => unknown): Outcome {
  try {
    return { ok: true, value: read() }
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err
    return { ok: false, message: err.message }
  }
}

// every service that reads a variable, and what it keeps of it
const LOADERS: Readonly<Record<string, (env: Env) => Record<string, unknown>>> = {
  worker: (env) => ({ ...loadWorkerConfig(env) }),
  packager: (env) => ({ ...loadPackagerConfig(env) }),
  discovery: (env) => ({ ...loadDiscoveryConfig(env) }),
  reporter: (env) => ({ ...loadReporterConfig(env) }),
  origin: (env) => ({ ...loadOriginConfig(env) }),
  edges: (env) => ({ ...loadEdgesConfig(env) })
}

/** Every reader of `variable` gives the same answer for `value`: the same kept value, or the same one-line error. */
function sameEverywhere (t: Test, variable: string, value: string, services: readonly string[], pick: (config: Record<string, unknown>, service: string) => unknown): void {
  const outcomes: Outcome[] = services.map((service) => {
    const result = outcome(() => (LOADERS[service] as (env: Env) => Record<string, unknown>)({ [variable]: value }))
    return result.ok ? { ok: true, value: pick(result.value as Record<string, unknown>, service) } : result
  })
  t.same(new Set(outcomes.map((o) => JSON.stringify(o))).size, 1, `${variable}=${JSON.stringify(value)}: ${JSON.stringify(outcomes[0])} for ${services.join(', ')}`)
  for (const o of outcomes) if (!o.ok) t.match(o.message, new RegExp(`^${variable}: `), 'the message names the variable')
}

const ALL = Object.keys(LOADERS)
const portOf = (url: unknown): number => { const u = new URL(String(url)); return Number(u.port === '' ? 80 : u.port) }

// the variables more than one service reads, who reads each, and what each keeps of it
const SHARED: ReadonlyArray<[string, readonly string[], (config: Record<string, unknown>, service: string) => unknown]> = [
  ['LOG_PRETTY', ALL, (c) => c.logPretty],
  ['LOG_LEVEL', ALL, (c) => c.logLevel],
  // the reporter refuses a public HOST without tokens, a rule of its own on top of HOST's
  ['HOST', ALL.filter((s) => s !== 'reporter'), (c) => c.host],
  ['LIVE_SIGNAL_NAME', ALL, (c) => c.signalName],
  ['OUTPUT_STREAM_PATH', ALL, (c) => c.outputPath],
  ['MAX_AGE_PLAYLIST', ['discovery', 'origin'], (c) => c.maxPlaylistAgeMs],
  ['SERVER_ONE_PORT', ['packager', 'discovery', 'origin'], (c, s) => s === 'packager' ? c.port : portOf(((s === 'discovery' ? c.packagerUrls : c.packagerAllowlist) as string[])[0])],
  ['SERVER_TWO_PORT', ['discovery', 'origin'], (c, s) => portOf(((s === 'discovery' ? c.packagerUrls : c.packagerAllowlist) as string[])[1])],
  ['REPORTER_PORT', ['reporter', 'discovery', 'origin', 'edges'], (c, s) => s === 'reporter' ? c.port : portOf((c.reporterUrls as string[])[0])],
  ['REPORTER_URL', ['discovery', 'origin', 'edges'], (c) => c.reporterUrls],
  ['ORIGIN_PORT', ['origin', 'edges'], (c, s) => s === 'origin' ? c.port : portOf(c.originUrl)],
  ['REPORTER_TOKEN', ['reporter', 'discovery', 'edges'], (c, s) => s === 'reporter' ? c.token : c.reporterToken],
  ['SIGNING_KEY', ['origin', 'edges'], (c) => c.signingKey]
]

const SAMPLES = ['', ' ', '0', '1', 'true', 'no', 'junk', '-1', '80a', '65535', '70000', '500ms', '999ms', '1s', '10s', 'x y',
  'http://127.0.0.1:2000', 'ftp://a', 'short', 'token-123456', 'a'.repeat(513), 'k'.repeat(40), 'live01', 'debug', '0.0.0.0']

t.test('every variable several services read has one rule: the same value or the same one-line error everywhere', async (t) => {
  for (const [variable, services, pick] of SHARED) {
    for (const value of SAMPLES) sameEverywhere(t, variable, value, services, pick)
  }
})

t.test('one rule holds for any value (fast-check)', async (t) => {
  const value = fc.oneof(fc.string({ maxLength: 20 }), fc.integer({ min: -10, max: 100_000 }).map(String), fc.constantFrom(...SAMPLES))
  for (const [variable, services, pick] of SHARED) {
    fc.assert(fc.property(value, (v) => {
      const seen = services.map((service) => {
        const result = outcome(() => (LOADERS[service] as (env: Env) => Record<string, unknown>)({ [variable]: v }))
        return JSON.stringify(result.ok ? pick(result.value as Record<string, unknown>, service) : result)
      })
      return new Set(seen).size === 1
    }), { numRuns: 60, reporter: (run) => { if (run.failed) throw new Error(`${variable} is read two ways: ${fc.defaultReportMessage(run) ?? ''}`) } })
  }
  t.pass('no value is read two ways')
})

t.test('HOST: an IP address or a DNS name every service can put in a URL; anything else is refused everywhere', async (t) => {
  const everyone = ALL.filter((s) => s !== 'reporter')
  for (const good of ['127.0.0.1', '0.0.0.0', '::', '::1', 'localhost', 'edge-1.example.net', 'A1']) {
    sameEverywhere(t, 'HOST', good, everyone, (c) => c.host)
    t.equal(loadOriginConfig({ HOST: good }).host, good, `${good} is kept`)
  }
  // 'G:' came from fast-check: five services bound it and the origin could not build its edge allowlist from it
  for (const bad of ['G:', ':', 'a..b', '-a', 'a-', '1.2.3.4.5', '256.1.1.1', '1', 'fe80::1%eth0', 'a_b', 'x'.repeat(64)]) {
    for (const service of everyone) {
      t.throws(() => (LOADERS[service] as (env: Env) => unknown)({ HOST: bad }), { message: `HOST: '${bad}' is not a host name or IP address` }, `${service} refuses ${bad}`)
    }
  }
  t.throws(() => loadEdgesConfig({ EDGE_PUBLIC_HOST: 'G:' }), { message: "EDGE_PUBLIC_HOST: 'G:' is not a host name or IP address" })
})

t.test('LOG_PRETTY: a boolean or unset; junk is a ConfigError naming it', async (t) => {
  t.equal(loadCommonConfig({}).logPretty, undefined, 'unset: pretty on a terminal')
  t.equal(loadCommonConfig({ LOG_PRETTY: '' }).logPretty, undefined)
  for (const yes of ['1', 'true', 'YES', 'on']) t.equal(loadCommonConfig({ LOG_PRETTY: yes }).logPretty, true, yes)
  for (const no of ['0', 'false', 'No', 'off']) t.equal(loadCommonConfig({ LOG_PRETTY: no }).logPretty, false, no)
  const err = t.throws(() => loadCommonConfig({ LOG_PRETTY: 'pretty-please' })) as ConfigError
  t.ok(err instanceof ConfigError)
  t.equal(err.variable, 'LOG_PRETTY')
  t.equal(err.message, "LOG_PRETTY: 'pretty-please' is not a boolean (true/false, 1/0, yes/no, on/off)")
  t.equal(readOptionalBoolean({ B: 'off' }, 'B'), false)
})

t.test('MAX_AGE_PLAYLIST: a duration from 1 s to 1 h, 10 s by default', async (t) => {
  t.equal(readMaxPlaylistAgeMs({}), 10_000)
  t.equal(readMaxPlaylistAgeMs({ MAX_AGE_PLAYLIST: '1s' }), 1000)
  t.equal(readMaxPlaylistAgeMs({ MAX_AGE_PLAYLIST: '60m' }), 3_600_000)
  t.throws(() => readMaxPlaylistAgeMs({ MAX_AGE_PLAYLIST: '999ms' }), /^MAX_AGE_PLAYLIST: '999ms' is not a duration such as 500ms, 2s or 1m, from 1000ms to 3600000ms$/)
  t.throws(() => readMaxPlaylistAgeMs({ MAX_AGE_PLAYLIST: '61m' }), /^MAX_AGE_PLAYLIST: /)
  t.equal(loadDiscoveryConfig({ MAX_AGE_PLAYLIST: '3s' }).maxPlaylistAgeMs, 3000)
  t.throws(() => loadDiscoveryConfig({ MAX_AGE_PLAYLIST: '500ms' }), /^MAX_AGE_PLAYLIST: /, 'discovery no longer takes what the origin refuses')
})

t.test('peer ports and the reporter URL', async (t) => {
  t.same(readPackagerPorts({}), { one: 8080, two: 9090 })
  t.same(localPackagerUrls(readPackagerPorts({ SERVER_TWO_PORT: '9191' })), ['http://localhost:8080', 'http://localhost:9191'])
  t.throws(() => readPackagerPorts({ SERVER_TWO_PORT: 'x' }), /^SERVER_TWO_PORT: 'x' is not a TCP port/)
  t.equal(readReporterPort({}), 2000)
  t.same(readReporterUrls({}), ['http://localhost:2000'])
  t.same(readReporterUrls({ REPORTER_PORT: '2100' }), ['http://localhost:2100'])
  t.same(readReporterUrls({ REPORTER_URL: 'http://reporter:2000/' }), ['http://reporter:2000'])
  t.same(readReporterUrls({ REPORTER_URL: 'http://a:2000, http://b:2000' }), ['http://a:2000', 'http://b:2000'], 'several reporters over one registry')
  t.throws(() => readReporterUrls({ REPORTER_PORT: 'x', REPORTER_URL: 'http://reporter:2000' }), /^REPORTER_PORT: /, 'a bad port is refused even when the URL is given')
  t.throws(() => readReporterUrls({ REPORTER_URL: 'ftp://r' }), /^REPORTER_URL: 'ftp:\/\/r' is not an absolute http/)
  t.equal(readOriginPort({}), 8001)
  t.throws(() => readOriginPort({ ORIGIN_PORT: '8o01' }), /^ORIGIN_PORT: /)
})

t.test('REPORTER_TOKEN and the role tokens: 8-512 printable characters without white space, at the reporter and at its writers', async (t) => {
  t.equal(readTokenVariable({ REPORTER_TOKEN: 'token-123456' }, 'REPORTER_TOKEN'), 'token-123456')
  t.throws(() => readTokenVariable({ REPORTER_TOKEN: 'short' }, 'REPORTER_TOKEN'), /^REPORTER_TOKEN: must be 8 to 512 printable ASCII characters/)
  t.throws(() => readTokenVariable({ REPORTER_TOKEN: 'has white space' }, 'REPORTER_TOKEN'), /^REPORTER_TOKEN: must not contain white space/)
  t.same(readWriterToken({ REPORTER_TOKEN: 'token-123456' }, 'edges'), { token: 'token-123456', variable: 'REPORTER_TOKEN' })
  t.throws(() => loadDiscoveryConfig({ REPORTER_DISCOVERY_TOKEN: 'short' }), /^REPORTER_DISCOVERY_TOKEN: must be 8 to 512/)
  t.throws(() => loadEdgesConfig({ REPORTER_EDGES_TOKEN: 'short' }), /^REPORTER_EDGES_TOKEN: must be 8 to 512/)
  t.throws(() => loadReporterConfig({ REPORTER_EDGES_TOKEN: 'short' }), /^REPORTER_EDGES_TOKEN: must be 8 to 512/)
})
