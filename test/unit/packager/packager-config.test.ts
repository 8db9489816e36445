import t from 'tap'
import { ConfigError } from '../../../internal/config/config-error.js'
import { loadPackagerConfig } from '../../../internal/packager/packager-config.js'

t.test('defaults: server1 on 8080 serving OUTPUT_STREAM_PATH', async (t) => {
  const config = loadPackagerConfig({})
  t.equal(config.name, 'server1')
  t.equal(config.port, 8080)
  t.equal(config.root, 'output')
  t.equal(config.host, '127.0.0.1')
  t.equal(config.cacheBytes, 256 * 1024 * 1024)
  t.equal(config.playlistRecheckMs, 500)
  t.equal(config.maxBlockingWaiters, 1000)
  t.equal(config.watchPolling, false)
  t.ok(Object.isFrozen(config))
})

t.test('PACKAGER_NAME picks the port; PACKAGER_PORT overrides, 0 allowed', async (t) => {
  t.equal(loadPackagerConfig({ PACKAGER_NAME: 'server2' }).port, 9090)
  t.equal(loadPackagerConfig({ PACKAGER_NAME: 'server2', SERVER_TWO_PORT: '9191' }).port, 9191)
  t.equal(loadPackagerConfig({ PACKAGER_NAME: 'server1', SERVER_ONE_PORT: '8181' }).port, 8181)
  t.equal(loadPackagerConfig({ PACKAGER_NAME: 'server1', PACKAGER_PORT: '0' }).port, 0)
  t.equal(loadPackagerConfig({ OUTPUT_STREAM_PATH: 'out2' }).root, 'out2')
  t.equal(loadPackagerConfig({ OUTPUT_STREAM_PATH: 'out2', PACKAGER_ROOT: '/data/b' }).root, '/data/b')
  t.equal(loadPackagerConfig({ PACKAGER_CACHE_MB: '16' }).cacheBytes, 16 * 1024 * 1024)
  t.equal(loadPackagerConfig({ PACKAGER_PLAYLIST_RECHECK: '1s' }).playlistRecheckMs, 1000)
})

t.test('malformed values throw a ConfigError naming the variable', async (t) => {
  const cases: Array<[Record<string, string>, string]> = [
    [{ PACKAGER_NAME: 'server3' }, 'PACKAGER_NAME'],
    [{ PACKAGER_NAME: '../x' }, 'PACKAGER_NAME'],
    [{ SERVER_ONE_PORT: 'http' }, 'SERVER_ONE_PORT'],
    [{ PACKAGER_NAME: 'server2', SERVER_TWO_PORT: '70000' }, 'SERVER_TWO_PORT'],
    [{ PACKAGER_NAME: 'server2', SERVER_ONE_PORT: '-1' }, 'SERVER_ONE_PORT'],
    [{ PACKAGER_PORT: '80a' }, 'PACKAGER_PORT'],
    [{ PACKAGER_CACHE_MB: '0' }, 'PACKAGER_CACHE_MB'],
    [{ PACKAGER_PLAYLIST_RECHECK: 'soon' }, 'PACKAGER_PLAYLIST_RECHECK'],
    [{ PACKAGER_MAX_BLOCKING_WAITERS: '-5' }, 'PACKAGER_MAX_BLOCKING_WAITERS'],
    [{ PACKAGER_WATCH_POLLING: 'maybe' }, 'PACKAGER_WATCH_POLLING'],
    [{ LIVE_SIGNAL_NAME: 'a/b' }, 'LIVE_SIGNAL_NAME']
  ]
  for (const [env, variable] of cases) {
    try {
      loadPackagerConfig(env)
      t.fail(`${variable} accepted ${JSON.stringify(env)}`)
    } catch (err) {
      t.ok(err instanceof ConfigError, variable)
      t.equal((err as ConfigError).variable, variable)
      t.match((err as Error).message, new RegExp(`^${variable}: `))
    }
  }
})
