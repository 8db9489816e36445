import t from 'tap'
import { epochMsn, startFakeLivePackager } from '../../support/fake-live-packager.js'
import { get, PlaylistRuleLog, startOrigin } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

t.test('a playlist left on disk by a dead worker is not live: the output starts from the live packager, with no discontinuity', async (t) => {
  const now = epochMsn(1)
  // A still serves what a worker wrote two minutes ago; B is live
  const a = await startFakeLivePackager(t, { name: 'A', lastMsn: now - 120 })
  const b = await startFakeLivePackager(t, { name: 'B', lastMsn: now })
  const origin = await startOrigin(t, { packagers: [a.url, b.url] })
  const url = `${origin.url}/live01/hi/playlist.m3u8`
  const rules = new PlaylistRuleLog()
  const first = await waitFor('the first output', async () => (await get(url)).status === 200 ? await rules.fetch(url) : undefined, { timeoutMs: 10_000, intervalMs: 100 })
  t.ok(first.mediaSequence > now - 20, `the output starts near now (media sequence ${first.mediaSequence}, now ${now}), not two minutes back`)
  t.notOk(first.segments.some((s) => s.discontinuity), 'no discontinuity')
  b.advance()
  await waitFor('the next segment', async () => (await rules.fetch(url)).segments.at(-1)?.msn === b.lastMsn, { timeoutMs: 5000, intervalMs: 50 })
  t.same(rules.violations, [])
  const status = origin.service.registry.all()[0]?.status()
  t.match(status?.sources.find((s) => s.url === a.url), { state: 'down', reason: /stale: newest segment ended \d+ s ago/ }, 'A is reported down as stale')
})
