import t from 'tap'
import { advanceEvery, startFakeLivePackager } from '../../support/fake-live-packager.js'
import { get, PlaylistRuleLog, startOrigin, startPair, startScriptedReporter, watchOutput } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

t.test('a reporter that names a packager outside the allow-list never makes the origin fetch from it', async (t) => {
  const { a, b } = await startPair(t)
  // C serves the same stream as A and B: the only thing keeping the origin off it is the allow-list
  const c = await startFakeLivePackager(t, { name: 'C', lastMsn: a.lastMsn })
  const cHost = new URL(c.url)
  advanceEvery(t, [a, b, c], 1000)

  let reporterPolls = 0
  const reporterUrl = await startScriptedReporter(t, {
    ingests: () => {
      reporterPolls += 1
      const last = new Date().toUTCString()
      return [
        // C alone, C spelled other ways, and C under a signal nobody else serves
        { signal: 'live01', packagers: [c.url, `${c.url}/`, `http://localhost:${cHost.port}`, `http://[::ffff:127.0.0.1]:${cHost.port}`, `${c.url}/live01/../`], last_reported: last },
        { signal: 'sneaky01', packagers: [c.url], last_reported: last },
        { signal: '../../etc', packagers: [c.url], last_reported: last }
      ]
    }
  })

  const origin = await startOrigin(t, {
    packagers: [a.url, b.url],
    reporterUrl,
    env: { REPORTER_POLL_INTERVAL: '200ms' }
  })
  await waitFor('the origin to serve live01', async () => (await get(`${origin.url}/live01/hi/playlist.m3u8`)).status === 200, { timeoutMs: 10_000, intervalMs: 100 })

  // play for a while, asking for what C would have: the reporter is polled many times meanwhile
  const rules = new PlaylistRuleLog()
  const report = await watchOutput(origin, rules, { durationMs: 4000 })
  const sneaky = await get(`${origin.url}/sneaky01/playlist.m3u8`)
  t.not(sneaky.status, 200, `a signal only C has is not served (${sneaky.status})`)

  t.ok(reporterPolls >= 5, `the origin read the poisoned reporter answer ${reporterPolls} times`)
  t.ok(report.segments.length >= 4 && report.segments.every((s) => s.status === 200 && !s.body.startsWith('C:')), 'live01 is served from A/B only')
  t.same(report.httpErrors, [])
  t.same(rules.violations, [])
  t.equal(c.requestLog.length, 0, `C received 0 requests (${c.requestLog.slice(0, 5).join(', ')})`)
  t.ok(a.counts['media-blocking'] + b.counts['media-blocking'] > 0, 'the allow-listed packagers were polled')
})
