import t from 'tap'
import { loadReporterConfig } from '../../internal/reporter/reporter-config.js'
import { ConfigError } from '../../internal/config/config-error.js'

t.test('defaults match the Go original and the config is frozen', async (t) => {
  const config = loadReporterConfig({ REPORTER_TOKEN: 'a-long-token' })
  t.equal(config.port, 2000)
  t.equal(config.ttlMs, 5000)
  t.equal(config.maxTtlMs, 60_000)
  t.equal(config.token, 'a-long-token')
  t.ok(Object.isFrozen(config))
})

t.test('token-less mode is allowed only on a loopback host', async (t) => {
  t.equal(loadReporterConfig({}).token, undefined, 'default host 127.0.0.1')
  t.equal(loadReporterConfig({ HOST: 'localhost' }).token, undefined)
  t.equal(loadReporterConfig({ HOST: '::1' }).token, undefined)
  const err = t.throws(() => loadReporterConfig({ HOST: '0.0.0.0' })) as ConfigError
  t.ok(err instanceof ConfigError)
  t.equal(err.variable, 'REPORTER_TOKEN')
  t.match(err.message, /^REPORTER_TOKEN: must be set when HOST is not a loopback address \(HOST is '0.0.0.0'\)/)
  t.throws(() => loadReporterConfig({ HOST: '10.0.0.5', REPORTER_TOKEN: '  ' }), /^REPORTER_TOKEN/, 'blank counts as unset')
  t.equal(loadReporterConfig({ HOST: '0.0.0.0', REPORTER_TOKEN: 'abcdefgh' }).token, 'abcdefgh')
})

t.test('bad values name their variable', async (t) => {
  t.throws(() => loadReporterConfig({ REPORTER_PORT: 'x' }), /^REPORTER_PORT: 'x' is not a TCP port/)
  t.throws(() => loadReporterConfig({ REPORTER_TTL: 'soon' }), /^REPORTER_TTL: 'soon' is not a duration/)
  t.throws(() => loadReporterConfig({ REPORTER_TTL: '10s', REPORTER_MAX_TTL: '5s' }), /^REPORTER_MAX_TTL: 5000ms must not be below REPORTER_TTL/)
  t.throws(() => loadReporterConfig({ REPORTER_TOKEN: 'short' }), /^REPORTER_TOKEN: must be 8 to 512 printable/)
  t.throws(() => loadReporterConfig({ REPORTER_TOKEN: 'has a space inside' }), /^REPORTER_TOKEN/)
})
