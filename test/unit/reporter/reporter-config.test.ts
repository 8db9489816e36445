import t from 'tap'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ConfigError } from '../../../internal/config/config-error.js'

t.test('defaults match the Go original (docs/design.md) and the config is frozen', async (t) => {
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

t.test('a token per writer role, REPORTER_TOKEN as the shared fallback', async (t) => {
  const own = loadReporterConfig({ HOST: '0.0.0.0', REPORTER_DISCOVERY_TOKEN: 'discovery-1', REPORTER_EDGES_TOKEN: 'edges-123' })
  t.same(own.tokens, { discovery: 'discovery-1', edges: 'edges-123' })
  t.same(own.sharedTokenRoles, [])
  const shared = loadReporterConfig({ REPORTER_TOKEN: 'shared-token' })
  t.same(shared.tokens, { discovery: 'shared-token', edges: 'shared-token' })
  t.same(shared.sharedTokenRoles, ['discovery', 'edges'], 'logged at start')
  const mixed = loadReporterConfig({ REPORTER_TOKEN: 'shared-token', REPORTER_EDGES_TOKEN: 'edges-123' })
  t.same(mixed.tokens, { discovery: 'shared-token', edges: 'edges-123' })
  t.same(mixed.sharedTokenRoles, ['discovery'])
  t.equal(loadReporterConfig({}).tokens, undefined, 'token-less on loopback')
})

t.test('a role left without a token, or two roles given one token, stops the start with one line', async (t) => {
  t.throws(() => loadReporterConfig({ REPORTER_DISCOVERY_TOKEN: 'discovery-1' }), /^REPORTER_EDGES_TOKEN: must be set when REPORTER_DISCOVERY_TOKEN is/)
  t.throws(() => loadReporterConfig({ REPORTER_EDGES_TOKEN: 'edges-123' }), /^REPORTER_DISCOVERY_TOKEN: must be set when REPORTER_EDGES_TOKEN is/)
  t.throws(() => loadReporterConfig({ REPORTER_DISCOVERY_TOKEN: 'same-token', REPORTER_EDGES_TOKEN: 'same-token' }), /^REPORTER_EDGES_TOKEN: must differ from the token of the discovery role/)
  t.throws(() => loadReporterConfig({ REPORTER_TOKEN: 'same-token', REPORTER_EDGES_TOKEN: 'same-token' }), /^REPORTER_EDGES_TOKEN: must differ/)
  t.throws(() => loadReporterConfig({ REPORTER_EDGES_TOKEN: 'short' }), /^REPORTER_EDGES_TOKEN: must be 8 to 512 printable/)
  t.throws(() => loadReporterConfig({ HOST: '0.0.0.0' }), /REPORTER_DISCOVERY_TOKEN, REPORTER_EDGES_TOKEN/, 'the message names the per-role variables too')
})

t.test('writer limits: defaults and bounds', async (t) => {
  t.same(loadReporterConfig({}).limits, { maxSignals: 256, maxPackagersPerSignal: 16, maxEdges: 64 })
  t.same(loadReporterConfig({ REPORTER_MAX_SIGNALS: '10', REPORTER_MAX_PACKAGERS_PER_SIGNAL: '4', REPORTER_MAX_EDGES: '8' }).limits, { maxSignals: 10, maxPackagersPerSignal: 4, maxEdges: 8 })
  t.throws(() => loadReporterConfig({ REPORTER_MAX_PACKAGERS_PER_SIGNAL: '65' }), /^REPORTER_MAX_PACKAGERS_PER_SIGNAL: '65' is not a whole number from 1 to 64/)
  t.throws(() => loadReporterConfig({ REPORTER_MAX_EDGES: '0' }), /^REPORTER_MAX_EDGES/)
})

t.test('the worker and operator roles need tokens of their own; without them their routes stay closed', async (t) => {
  const base = { REPORTER_DISCOVERY_TOKEN: 'discovery-1', REPORTER_EDGES_TOKEN: 'edges-123' }
  t.same(loadReporterConfig(base).tokens, { discovery: 'discovery-1', edges: 'edges-123' })
  t.same(loadReporterConfig({ ...base, REPORTER_WORKER_TOKEN: 'worker-123', REPORTER_OPERATOR_TOKEN: 'operator-1' }).tokens,
    { discovery: 'discovery-1', edges: 'edges-123', worker: 'worker-123', operator: 'operator-1' })
  t.throws(() => loadReporterConfig({ REPORTER_WORKER_TOKEN: 'worker-123' }), /^REPORTER_DISCOVERY_TOKEN: must be set when REPORTER_WORKER_TOKEN is/)
  t.throws(() => loadReporterConfig({ ...base, REPORTER_WORKER_TOKEN: 'edges-123' }), /^REPORTER_WORKER_TOKEN: must differ from the token of the edges role/)
})

t.test('the registry, the streams and the assigner', async (t) => {
  const config = loadReporterConfig({})
  t.same(config.registry, { kind: 'memory' }, 'the embedded default')
  t.equal(config.streamsFile, undefined)
  t.same(config.defaultStream, { name: 'live01', source: { file: 'assets/stream.mp4' }, ladder: '720p:1280x720:3000,480p:854x480:1400,240p:426x240:400', segment_duration: 2, redundancy: 2 })
  t.equal(config.assignerIntervalMs, 1000)
  t.equal(config.assignerSettleMs, 3000)
  const fleet = loadReporterConfig({ REGISTRY_URL: 'redis://127.0.0.1:6390', STREAMS_FILE: 'streams.json', LIVE_SIGNAL_NAME: 'main', ASSIGNER_INTERVAL: '500ms' })
  t.equal(fleet.registry.kind, 'redis')
  t.equal(fleet.streamsFile, 'streams.json')
  t.equal(fleet.defaultStream.name, 'main')
  t.equal(fleet.assignerIntervalMs, 500)
  t.throws(() => loadReporterConfig({ REGISTRY_URL: 'mysql://x' }), /^REGISTRY_URL: /)
  t.throws(() => loadReporterConfig({ ASSIGNER_INTERVAL: '1ms' }), /^ASSIGNER_INTERVAL: /)
})
