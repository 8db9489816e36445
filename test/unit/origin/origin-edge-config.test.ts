import t from 'tap'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { ConfigError } from '../../../internal/config/config-error.js'

const load = (env: Record<string, string>) => loadOriginConfig({ LOG_LEVEL: 'silent', ...env })

/** The one line a bad value stops the origin with. */
function errorOf (env: Record<string, string>): string {
  try {
    load(env)
  } catch (err) {
    if (err instanceof ConfigError) return err.message
    throw err
  }
  return 'no error'
}

t.test('defaults: the origin probes the edges it knows while the reporter is away', async (t) => {
  const c = load({})
  t.same(
    { probe: c.edgeProbe, failures: c.edgeProbeFailures, timeout: c.edgeProbeTimeoutMs, maxStale: c.edgeViewMaxStaleMs, grace: c.edgeUnlistedGraceMs },
    { probe: true, failures: 3, timeout: 500, maxStale: 30_000, grace: 30_000 })
})

t.test('defaults follow REPORTER_POLL_INTERVAL so they are always valid', async (t) => {
  const fast = load({ REPORTER_POLL_INTERVAL: '100ms' })
  t.equal(fast.edgeProbeTimeoutMs, 100, 'a probe never outlives a poll interval')
  const slow = load({ REPORTER_POLL_INTERVAL: '60s' })
  t.equal(slow.edgeViewMaxStaleMs, 120_000, 'two poll intervals at least')
})

t.test('bad values stop the origin with one line naming the variable', async (t) => {
  t.match(errorOf({ EDGE_PROBE: 'maybe' }), /^EDGE_PROBE: 'maybe' is not a boolean/)
  t.match(errorOf({ EDGE_PROBE_FAILURES: '0' }), /^EDGE_PROBE_FAILURES: '0' is not a whole number from 1 to 20$/)
  t.match(errorOf({ EDGE_PROBE_TIMEOUT: '10ms' }), /^EDGE_PROBE_TIMEOUT: '10ms' is not a duration/)
  t.match(errorOf({ EDGE_PROBE_TIMEOUT: '2s' }), /^EDGE_PROBE_TIMEOUT: 2000ms must not exceed REPORTER_POLL_INTERVAL \(1000ms\)/)
  t.match(errorOf({ EDGE_VIEW_MAX_STALE: '1s' }), /^EDGE_VIEW_MAX_STALE: 1000ms is below REPORTER_POLL_INTERVAL \+ EDGE_PROBE_TIMEOUT \(1500ms\).*or EDGE_PROBE=false$/)
  t.match(errorOf({ EDGE_UNLISTED_GRACE: 'soon' }), /^EDGE_UNLISTED_GRACE: 'soon' is not a duration/)
  const bad: Array<Record<string, string>> = [{ EDGE_PROBE_TIMEOUT: '2s' }, { EDGE_VIEW_MAX_STALE: '1s' }, { EDGE_PROBE: 'maybe' }]
  for (const env of bad) {
    t.notOk(errorOf(env).includes('\n'), `${Object.keys(env)[0]}: one line`)
  }
})

t.test('EDGE_PROBE=false keeps the old rule, where any EDGE_VIEW_MAX_STALE (even 0) is allowed', async (t) => {
  const c = load({ EDGE_PROBE: 'false', EDGE_VIEW_MAX_STALE: '0' })
  t.equal(c.edgeProbe, false)
  t.equal(c.edgeViewMaxStaleMs, 0)
  t.equal(load({ EDGE_VIEW_MAX_STALE: '1500ms' }).edgeViewMaxStaleMs, 1500, 'exactly one poll plus one probe timeout is enough')
})
