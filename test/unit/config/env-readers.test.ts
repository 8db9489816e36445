import t from 'tap'
import { readDurationMs, readHttpUrlList, readPort, readBoolean, readLogLevel, readHost, isLoopbackHost } from '../../../internal/config/env-readers.js'
import { ConfigError } from '../../../internal/config/config-error.js'
import { loadCommonConfig } from '../../../internal/config/common-config.js'

t.test('durations accept ms, s, m and bare seconds', async (t) => {
  const limits = { minMs: 100, maxMs: 600_000 }
  t.equal(readDurationMs({ D: '500ms' }, 'D', 1, limits), 500)
  t.equal(readDurationMs({ D: '1.5s' }, 'D', 1, limits), 1500)
  t.equal(readDurationMs({ D: '2' }, 'D', 1, limits), 2000)
  t.equal(readDurationMs({ D: '2m' }, 'D', 1, limits), 120_000)
  t.equal(readDurationMs({}, 'D', 42, limits), 42)
  t.throws(() => readDurationMs({ D: 'soon' }, 'D', 1, limits), /^D: 'soon' is not a duration/)
  t.throws(() => readDurationMs({ D: '10ms' }, 'D', 1, limits), /from 100ms to 600000ms/)
})

t.test('ports are whole numbers in range and the error names the variable', async (t) => {
  t.equal(readPort({ P: '8080' }, 'P', 1), 8080)
  t.equal(readPort({ P: ' ' }, 'P', 1), 1)
  const err = t.throws(() => readPort({ SERVER_ONE_PORT: '80a' }, 'SERVER_ONE_PORT', 1)) as ConfigError
  t.ok(err instanceof ConfigError)
  t.equal(err.variable, 'SERVER_ONE_PORT')
  t.match(err.message, /^SERVER_ONE_PORT: '80a' is not a TCP port/)
  t.throws(() => readPort({ P: '70000' }, 'P', 1), /TCP port/)
})

t.test('URL lists are validated, trimmed and de-duplicated', async (t) => {
  t.same(readHttpUrlList({ U: 'http://a:1/, http://b:2,http://a:1' }, 'U', []), ['http://a:1', 'http://b:2'])
  t.same(readHttpUrlList({}, 'U', ['http://x']), ['http://x'])
  t.throws(() => readHttpUrlList({ U: 'ftp://a' }, 'U', []), /U: 'ftp:\/\/a' is not an absolute http/)
  t.throws(() => readHttpUrlList({ U: 'http://u:p@a' }, 'U', []), /credentials/)
  t.throws(() => readHttpUrlList({ U: ' , ' }, 'U', []), /at least one/)
})

t.test('booleans, log levels and hosts', async (t) => {
  t.equal(readBoolean({ B: 'yes' }, 'B', false), true)
  t.equal(readBoolean({ B: '0' }, 'B', true), false)
  t.throws(() => readBoolean({ B: 'maybe' }, 'B', true), /B: 'maybe' is not a boolean/)
  t.equal(readLogLevel({ LOG_LEVEL: 'debug' }), 'debug')
  t.throws(() => readLogLevel({ LOG_LEVEL: 'loud' }), /LOG_LEVEL: 'loud' is not one of/)
  t.equal(readHost({}), '127.0.0.1')
  t.throws(() => readHost({ HOST: 'a b' }), /HOST:/)
  t.ok(isLoopbackHost('127.0.0.1'))
  t.notOk(isLoopbackHost('0.0.0.0'))
})

t.test('common config keeps the Go defaults and checks the signal name', async (t) => {
  const config = loadCommonConfig({})
  t.equal(config.signalName, 'live01')
  t.equal(config.outputPath, 'output')
  t.throws(() => loadCommonConfig({ LIVE_SIGNAL_NAME: '../etc' }), /^LIVE_SIGNAL_NAME: '..\/etc' must be/)
})
