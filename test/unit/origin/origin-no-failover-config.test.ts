import t from 'tap'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { failoverStrategyFor, FIRST_SOURCE_ONLY, FOLLOW_HEALTHY } from '../../../internal/origin/failover-strategy.js'
import { segmentCandidates } from '../../../internal/origin/signal-policy.js'
import { EMPTY_SIGNAL_POLICY, type SignalPolicyOptions } from '../../../internal/origin/signal-policy-state.js'
import { DEFAULT_HEALTH_OPTIONS } from '../../../internal/hls/source-health.js'
import { DEFAULT_TIMELINE_OPTIONS } from '../../../internal/hls/timeline-state.js'

t.test('ORIGIN_TEST_ONLY_NO_FAILOVER is off by default and parsed as a boolean', async (t) => {
  t.equal(loadOriginConfig({}).testOnlyNoFailover, false, 'off unless asked for')
  t.equal(loadOriginConfig({ ORIGIN_TEST_ONLY_NO_FAILOVER: '1' }).testOnlyNoFailover, true)
  t.throws(() => loadOriginConfig({ ORIGIN_TEST_ONLY_NO_FAILOVER: 'maybe' }), /ORIGIN_TEST_ONLY_NO_FAILOVER: 'maybe' is not a boolean/)
})

t.test('the setting injects the no-failover policy; the product runs the failover one', async (t) => {
  t.equal(failoverStrategyFor(loadOriginConfig({ ORIGIN_TEST_ONLY_NO_FAILOVER: '1' })), FIRST_SOURCE_ONLY)
  t.equal(failoverStrategyFor(loadOriginConfig({})), FOLLOW_HEALTHY)
})

t.test('with the test-only setting a session offers only the first packager for a segment', async (t) => {
  const options = (testOnlyNoFailover: boolean): SignalPolicyOptions => ({
    sources: ['http://127.0.0.1:1', 'http://127.0.0.1:2'],
    timeline: DEFAULT_TIMELINE_OPTIONS,
    health: DEFAULT_HEALTH_OPTIONS,
    failover: failoverStrategyFor({ testOnlyNoFailover })
  })
  t.same(segmentCandidates(EMPTY_SIGNAL_POLICY, options(true), '180p', '100.ts'), [{ sourceId: 'http://127.0.0.1:1', uri: '100.ts' }], 'one candidate: the first allow-listed packager')
  t.equal(segmentCandidates(EMPTY_SIGNAL_POLICY, options(false), '180p', '100.ts'), undefined, 'without it, a segment the timeline does not hold is not asked for (normal path)')
})
