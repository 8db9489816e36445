import t from 'tap'
import { loadDiscoveryConfig } from '../../../internal/discovery/discovery-config.js'

t.test('defaults follow the Go original (docs/design.md)', async (t) => {
  const config = loadDiscoveryConfig({})
  t.same(config.packagerUrls, ['http://localhost:8080', 'http://localhost:9090'])
  t.same(config.reporterUrls, ['http://localhost:2000'])
  t.equal(config.runFrequencyMs, 1000)
  t.equal(config.maxPlaylistAgeMs, 10_000)
  t.equal(config.probeTimeoutMs, 800)
  t.equal(config.outputPath, 'output')
  t.equal(config.reporterToken, undefined)
  t.equal(config.reportTtlMs, 3 * 1000 + 2 * 800, 'three cycles plus two probe timeouts')
  t.ok(Object.isFrozen(config))
})

t.test('ports feed the default URLs; explicit values win', async (t) => {
  const config = loadDiscoveryConfig({ SERVER_ONE_PORT: '18080', SERVER_TWO_PORT: '19090', REPORTER_PORT: '12000' })
  t.same(config.packagerUrls, ['http://localhost:18080', 'http://localhost:19090'])
  t.same(config.reporterUrls, ['http://localhost:12000'])
  const explicit = loadDiscoveryConfig({
    PACKAGER_URLS: 'http://10.0.0.1:8080/, http://10.0.0.2:8080', REPORTER_URL: 'https://reporter.example/',
    DISCOVERY_RUN_FREQUENCY: '5s', MAX_AGE_PLAYLIST: '30s', PROBE_TIMEOUT: '300ms', REPORTER_TOKEN: 'tok-123456'
  })
  t.same(explicit.packagerUrls, ['http://10.0.0.1:8080', 'http://10.0.0.2:8080'])
  t.same(explicit.reporterUrls, ['https://reporter.example'])
  t.equal(explicit.runFrequencyMs, 5000)
  t.equal(explicit.maxPlaylistAgeMs, 30_000)
  t.equal(explicit.probeTimeoutMs, 300)
  t.equal(explicit.reporterToken, 'tok-123456')
})

t.test('bad values stop with the variable named', async (t) => {
  t.throws(() => loadDiscoveryConfig({ DISCOVERY_RUN_FREQUENCY: 'often' }), /^DISCOVERY_RUN_FREQUENCY: 'often' is not a duration/)
  t.throws(() => loadDiscoveryConfig({ DISCOVERY_RUN_FREQUENCY: '10ms' }), /^DISCOVERY_RUN_FREQUENCY: .* from 100ms/)
  t.throws(() => loadDiscoveryConfig({ MAX_AGE_PLAYLIST: '-1s' }), /^MAX_AGE_PLAYLIST:/)
  t.throws(() => loadDiscoveryConfig({ PROBE_TIMEOUT: '0' }), /^PROBE_TIMEOUT:/)
  t.throws(() => loadDiscoveryConfig({ PACKAGER_URLS: 'localhost:8080' }), /^PACKAGER_URLS: 'localhost:8080' is not an absolute http/)
  t.throws(() => loadDiscoveryConfig({ REPORTER_URL: 'ftp://x' }), /^REPORTER_URL:/)
  t.throws(() => loadDiscoveryConfig({ SERVER_ONE_PORT: '99999' }), /^SERVER_ONE_PORT:/)
  t.throws(() => loadDiscoveryConfig({ DISCOVERY_PORT: 'x' }), /^DISCOVERY_PORT:/)
  t.throws(() => loadDiscoveryConfig({ REPORTER_TOKEN: 'a b' }), /^REPORTER_TOKEN: must not contain white space/)
})
