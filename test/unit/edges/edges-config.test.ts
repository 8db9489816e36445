import t from 'tap'
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadEdgesConfig, loadEdgesConfigForHost } from '../../../internal/edges/edges-config.js'

t.test('defaults', async (t) => {
  const config = loadEdgesConfig({})
  t.equal(config.port, 2002)
  t.equal(config.basePort, 8101)
  t.equal(config.originUrl, 'http://127.0.0.1:8001')
  t.same(config.reporterUrls, ['http://localhost:2000'])
  t.equal(config.edgesDir, '.local/edges')
  t.equal(config.nginxPath, undefined)
  t.equal(config.ttlMs, 5000)
  t.equal(config.heartbeatMs, 1000)
  t.equal(config.orphanGraceMs, 15_000)
  t.equal(config.unhealthyProbes, 3)
  t.equal(config.hangProbeMs, 500, 'a hang is told after 3 silent rounds of 500 ms')
  t.equal(config.publicHost, '127.0.0.1')
  t.same(config.scale, { min: 2, max: 6, targetRps: 200, upAfterChecks: 3, downAfterChecks: 15, downRatio: 0.6, cooldownMs: 10_000 })
  t.ok(Object.isFrozen(config))
  t.ok(Object.isFrozen(config.scale))
})

t.test('ports feed the default URLs; explicit values win', async (t) => {
  t.equal(loadEdgesConfig({ ORIGIN_PORT: '18001' }).originUrl, 'http://127.0.0.1:18001')
  t.same(loadEdgesConfig({ REPORTER_PORT: '12000' }).reporterUrls, ['http://localhost:12000'])
  const explicit = loadEdgesConfig({
    ORIGIN_URL: 'http://origin.internal:8001/', REPORTER_URL: 'http://r:2000', REPORTER_TOKEN: 'secret-token',
    EDGES_MIN: '1', EDGES_MAX: '3', EDGE_TARGET_RPS: '50', EDGE_TTL: '5s', EDGE_HEARTBEAT: '500ms', EDGES_DIR: '/tmp/x',
    NGINX_PATH: '/opt/nginx/sbin/nginx', EDGE_SCALE_COOLDOWN: '2s', EDGE_SCALE_UP_CHECKS: '2', EDGE_SCALE_DOWN_CHECKS: '4',
    EDGE_SCALE_DOWN_PERCENT: '50', HOST: '0.0.0.0'
  })
  t.equal(explicit.originUrl, 'http://origin.internal:8001')
  t.equal(explicit.reporterToken, 'secret-token')
  t.equal(explicit.nginxPath, '/opt/nginx/sbin/nginx')
  t.equal(explicit.publicHost, '127.0.0.1', 'a wildcard bind is advertised on loopback unless EDGE_PUBLIC_HOST says otherwise')
  t.same(explicit.scale, { min: 1, max: 3, targetRps: 50, upAfterChecks: 2, downAfterChecks: 4, downRatio: 0.5, cooldownMs: 2000 })
  t.equal(explicit.probeTimeoutMs, 400, 'probes end before the next round')
  t.equal(explicit.hangProbeMs, 250, 'hang rounds are half a heartbeat')
})

t.test('bad values stop with the variable named', async (t) => {
  const bad: Array<[Record<string, string>, RegExp]> = [
    [{ EDGES_MIN: '4', EDGES_MAX: '3' }, /^EDGES_MIN: 4 must not be above EDGES_MAX \(3\)/],
    [{ EDGES_MIN: '0' }, /^EDGES_MIN:/],
    [{ EDGES_MAX: 'many' }, /^EDGES_MAX:/],
    [{ EDGES_BASE_PORT: '70000' }, /^EDGES_BASE_PORT:/],
    [{ EDGES_BASE_PORT: '0' }, /^EDGES_BASE_PORT: '0' is not allowed/],
    [{ EDGES_BASE_PORT: '65530' }, /^EDGES_BASE_PORT: 65530 leaves no room/],
    [{ EDGES_PORT: '8102' }, /^EDGES_PORT: 8102 lies inside the edge port range/],
    [{ EDGES_PORT: '-1' }, /^EDGES_PORT:/],
    [{ ORIGIN_URL: 'localhost:8001' }, /^ORIGIN_URL:/],
    [{ ORIGIN_URL: 'http://o:8001/hls' }, /^ORIGIN_URL: .* scheme, host and port only/],
    [{ REPORTER_URL: 'ftp://r' }, /^REPORTER_URL:/],
    [{ EDGE_TTL: '1s', EDGE_HEARTBEAT: '1s' }, /^EDGE_TTL: 1000ms must be at least two heartbeats/],
    [{ EDGE_ORPHAN_GRACE: '1s' }, /^EDGE_ORPHAN_GRACE:/],
    [{ EDGE_TARGET_RPS: '0' }, /^EDGE_TARGET_RPS:/],
    [{ EDGE_SCALE_DOWN_PERCENT: '100' }, /^EDGE_SCALE_DOWN_PERCENT:/],
    [{ EDGE_CACHE_MAX_SIZE: '1 g; evil' }, /^EDGE_CACHE_MAX_SIZE:/],
    [{ EDGE_SEGMENT_CACHE_VALID: 'forever' }, /^EDGE_SEGMENT_CACHE_VALID:/],
    [{ EDGE_PUBLIC_HOST: 'a b' }, /^EDGE_PUBLIC_HOST:/],
    [{ REPORTER_TOKEN: 'a b' }, /^REPORTER_TOKEN:/],
    [{ EDGES_PORT_SPAN: '2', EDGES_MAX: '3' }, /^EDGES_PORT_SPAN:/]
  ]
  for (const [env, message] of bad) t.throws(() => loadEdgesConfig(env), message, JSON.stringify(env))
})

t.test('the entrypoint loader resolves nginx, or stops naming NGINX_PATH', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'edges-config-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await writeFile(join(dir, 'nginx'), '#!/bin/sh\n')
  await chmod(join(dir, 'nginx'), 0o755)
  t.equal(loadEdgesConfigForHost({ PATH: dir }).nginxPath, join(dir, 'nginx'))
  t.ok(Object.isFrozen(loadEdgesConfigForHost({ PATH: dir })))
  t.throws(() => loadEdgesConfigForHost({ NGINX_PATH: join(dir, 'missing') }), /^NGINX_PATH: '.*missing' is not an executable file; install nginx/)
  t.throws(() => loadEdgesConfigForHost({ EDGES_MIN: '9' }), /^EDGES_MIN:/, 'variables are checked first')
})

t.test('SIGNING_KEY: the origin key, unset by default; a weak one stops the start naming it', async (t) => {
  const key = 'edges-config-signing-key-0123456789abcdef'
  t.equal(loadEdgesConfig({}).signingKey, undefined)
  t.equal(loadEdgesConfig({ SIGNING_KEY: key }).signingKey, key)
  t.throws(() => loadEdgesConfig({ SIGNING_KEY: 'too-short' }), /^SIGNING_KEY: must be 32 to 1024 printable ASCII/)
})

t.test('ORIGIN_URL may list origin replicas: the first leads, the rest are backups of the same scheme', async (t) => {
  const one = loadEdgesConfig({ ORIGIN_URL: 'http://origin-a:8001' })
  t.same(one.originBackups, [])
  const two = loadEdgesConfig({ ORIGIN_URL: 'http://origin-a:8001, http://origin-b:8001/' })
  t.equal(two.originUrl, 'http://origin-a:8001')
  t.same(two.originBackups, ['http://origin-b:8001'])
  t.throws(() => loadEdgesConfig({ ORIGIN_URL: 'http://origin-a:8001,https://origin-b' }), /^ORIGIN_URL: every origin replica must use the same scheme/)
  t.throws(() => loadEdgesConfig({ ORIGIN_URL: 'http://origin-a:8001,http://origin-b/x' }), /^ORIGIN_URL: 'http:\/\/origin-b\/x' must be scheme, host and port only/)
})
