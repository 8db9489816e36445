import t from 'tap'
import { hostname } from 'node:os'
import { loadFleetConfig } from '../../../internal/worker/fleet-config.js'
import { loadWorkerConfig } from '../../../internal/worker/worker-config.js'

t.test('without WORKER_ID the worker encodes its one stream alone', async (t) => {
  t.equal(loadFleetConfig({}), undefined)
  t.equal(loadWorkerConfig({}).fleet, undefined)
})

t.test('WORKER_ID joins the fleet with its defaults', async (t) => {
  const fleet = loadFleetConfig({ WORKER_ID: 'w1', REPORTER_WORKER_TOKEN: 'worker-token-1' })
  t.same(fleet, {
    id: 'w1',
    host: hostname(),
    capacity: 3,
    streamFilter: undefined,
    packagerUrl: 'http://localhost:8080',
    reporterUrls: ['http://localhost:2000'],
    reporterToken: 'worker-token-1',
    reporterTokenVariable: 'REPORTER_WORKER_TOKEN',
    heartbeatMs: 1000,
    ttlMs: 4000
  })
  t.equal(loadFleetConfig({ WORKER_ID: 'w1', REPORTER_TOKEN: 'shared-token-1' })?.reporterToken, undefined, 'the legacy shared token is not a worker\'s')
  t.equal(loadWorkerConfig({ WORKER_ID: 'w2', WORKER_CAPACITY: '6', STREAM_FILTER: '^stage', WORKER_PACKAGER_URL: 'http://p:1' }).fleet?.streamFilter, '^stage')
})

t.test('each bad value names its variable', async (t) => {
  t.throws(() => loadFleetConfig({ WORKER_ID: '../w' }), /^WORKER_ID: /)
  t.throws(() => loadFleetConfig({ WORKER_ID: 'w', WORKER_HOST: 'a b' }), /^WORKER_HOST: /)
  t.throws(() => loadFleetConfig({ WORKER_ID: 'w', STREAM_FILTER: '(' }), /^STREAM_FILTER: is not a valid regular expression/)
  t.throws(() => loadFleetConfig({ WORKER_ID: 'w', WORKER_CAPACITY: '-1' }), /^WORKER_CAPACITY: /)
  t.throws(() => loadFleetConfig({ WORKER_ID: 'w', WORKER_PACKAGER_URL: 'ftp://x' }), /^WORKER_PACKAGER_URL: /)
  t.throws(() => loadFleetConfig({ WORKER_ID: 'w', WORKER_HEARTBEAT: '5ms' }), /^WORKER_HEARTBEAT: /)
})
