import t from 'tap'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { SignalSession } from '../../../internal/origin/signal-session.js'

t.test('ORIGIN_TEST_ONLY_NO_FAILOVER is off by default and parsed as a boolean', async (t) => {
  t.equal(loadOriginConfig({}).testOnlyNoFailover, false, 'off unless asked for')
  t.equal(loadOriginConfig({ ORIGIN_TEST_ONLY_NO_FAILOVER: '1' }).testOnlyNoFailover, true)
  t.throws(() => loadOriginConfig({ ORIGIN_TEST_ONLY_NO_FAILOVER: 'maybe' }), /ORIGIN_TEST_ONLY_NO_FAILOVER: 'maybe' is not a boolean/)
})

t.test('with the test-only setting a session offers only the first packager for a segment', async (t) => {
  const make = (testOnlyNoFailover: boolean): SignalSession => {
    const session = new SignalSession({
      signal: 'live01',
      sources: ['http://127.0.0.1:1', 'http://127.0.0.1:2'],
      timeline: { windowSize: 6 } as never,
      health: { defaultTargetDurationMs: 2000 } as never,
      parseLimits: {} as never,
      tickMs: 250,
      testOnlyNoFailover
    }, {} as never, {} as never, { info () {}, warn () {} } as never)
    // a learned layout, without polling anything
    Object.assign(session as object, { renditions: [{ key: '180p', playlistPath: 'live01/180p/playlist.m3u8' }] })
    return session
  }
  t.same(make(true).segmentSources('180p', '100.ts'), [{ base: 'http://127.0.0.1:1', path: 'live01/180p/100.ts' }], 'one candidate: the first allow-listed packager')
  t.equal(make(false).segmentSources('180p', '100.ts'), undefined, 'without it, a segment the timeline does not hold is not asked for (normal path)')
})
