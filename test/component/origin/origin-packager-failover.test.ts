import { sideBySide } from '../../support/side-by-side.js'
import { advanceEvery, type FakeLivePackager } from '../../support/fake-live-packager.js'
import { assertKeepsAdvancing, metrics, metricValue, PlaylistRuleLog, startPairAndOrigin, watchOutput, type OriginUnderTest } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

// the tests each start their own fakes and origin and mostly wait on their clocks: run them side by side

const TD_MS = 1000

async function eligible (origin: OriginUnderTest, packager: FakeLivePackager): Promise<number> {
  return metricValue(await metrics(origin), 'origin_packager_eligible', { signal: 'live01', packager: packager.url })
}

sideBySide('packager failover', 2, (t) => {
  t.test('a dead packager: the output keeps advancing from the other one, with no discontinuity', { buffered: true }, async (t) => {
    const { a, b, origin } = await startPairAndOrigin(t)
    advanceEvery(t, [a, b], TD_MS)
    const rules = new PlaylistRuleLog()
    await watchOutput(origin, rules, { durationMs: 2000 })
    t.equal(await eligible(origin, a), 1, 'A is eligible before it dies')

    await a.close()
    const report = await watchOutput(origin, rules, { durationMs: 6000 })
    assertKeepsAdvancing(t, report, b, 4)
    t.equal(await eligible(origin, a), 0, 'A is no longer eligible')
    const text = await metrics(origin)
    t.ok(metricValue(text, 'origin_upstream_fetches_total', { packager: a.url, kind: 'playlist', result: 'refused' }) >= 1, 'A\'s refused polls are counted')
    t.same(rules.violations, [], `0 rule violations in ${rules.checked} playlists`)
  })

  t.test('a frozen packager (answers, stops advancing): new segments keep coming from the other one', { buffered: true }, async (t) => {
    const { a, b, origin } = await startPairAndOrigin(t)
    advanceEvery(t, [a, b], TD_MS)
    const rules = new PlaylistRuleLog()
    await watchOutput(origin, rules, { durationMs: 2000 })

    a.frozen = true
    const frozenAt = a.lastMsn
    const report = await watchOutput(origin, rules, { durationMs: 6000 })
    assertKeepsAdvancing(t, report, b, 4)
    t.ok(a.isListening && a.counts['media-blocking'] + a.counts.media > 0, 'A kept answering its polls')
    t.equal(a.lastMsn, frozenAt, 'A really stayed frozen')

    // While its blocking poll is held (3 TD) a frozen packager also reads as silent ('no answer');
    // between two holds it answers at once with the old playlist, which is what 'stale' is about.
    const session = origin.service.registry.get('live01')
    const status = await waitFor('A to be judged stale while it answers', () => {
      const s = session?.status().sources.find((x) => x.url === a.url)
      return s?.state === 'down' && /stale/.test(s.reason ?? '') ? s : undefined
    }, { timeoutMs: 8000, intervalMs: 50 })
    t.equal(status.state, 'down', `A is down: ${status.reason ?? ''}`)
    t.equal(await eligible(origin, a), 0)
    t.same(rules.violations, [], `0 rule violations in ${rules.checked} playlists`)
  })
})
