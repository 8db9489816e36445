import t from 'tap'
import type { SegmentFault, SegmentRequestInfo } from '../../support/fake-live-packager.js'
import { get, metrics, metricValue, newest, PlaylistRuleLog, startPairAndOrigin } from '../../support/origin-harness.js'

t.test('a segment fetch that fails on one packager is retried on the other inside the same player request', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  const packagers = [a, b]
  const rules = new PlaylistRuleLog()
  const playlist = await rules.fetch(`${origin.url}/live01/hi/playlist.m3u8`)
  const last = newest(playlist)
  t.ok(playlist.segments.length >= 4, 'enough segments to script one fault each')

  // Whichever packager the origin asks first for the target segment answers with the fault; the
  // other one has it. The origin's order between two healthy packagers is its own business, so
  // the script follows it instead of guessing it.
  const failedBy = new Map<string, string>()
  const scripted = new Map<string, SegmentFault>()
  const script = (info: SegmentRequestInfo): SegmentFault => {
    const fault = scripted.get(info.path)
    if (fault === undefined || failedBy.has(info.path)) return 'ok'
    failedBy.set(info.path, info.packager)
    return fault
  }
  a.segmentFault = script
  b.segmentFault = script

  const cases: Array<[SegmentFault, number]> = [['500', last], ['reset', last - 1], ['404', last - 2]]
  for (const [fault, msn] of cases) {
    const path = `/live01/hi/${msn}.ts`
    scripted.set(path, fault)
    const answer = await get(`${origin.url}${path}`)
    t.equal(answer.status, 200, `${fault}: the player gets 200`)
    const failed = failedBy.get(path)
    t.ok(failed !== undefined, `${fault}: the fault was served by one packager (${failed ?? 'none'})`)
    const other = packagers.find((p) => p.name !== failed)
    t.equal(answer.text, other?.segmentBody('hi', msn), `${fault}: the bytes are the other packager's`)
    t.equal(packagers.reduce((n, p) => n + (p.hitsByPath.get(path) ?? 0), 0), 2, `${fault}: one failed and one good upstream request, no more`)
  }

  const text = await metrics(origin)
  t.ok(metricValue(text, 'origin_upstream_fetches_total', { kind: 'segment', result: 'http_5xx' }) >= 1, 'the 500 is counted')
  t.ok(metricValue(text, 'origin_upstream_fetches_total', { kind: 'segment', result: 'reset' }) >= 1, 'the reset is counted')
  t.ok(metricValue(text, 'origin_upstream_fetches_total', { kind: 'segment', result: 'http_404' }) >= 1, 'the 404 is counted')

  // the good answers are cached: asking again costs nothing upstream
  const before = a.counts.segment + b.counts.segment
  const again = await get(`${origin.url}/live01/hi/${last}.ts`)
  t.equal(again.status, 200)
  t.equal(a.counts.segment + b.counts.segment, before, 'served from the origin\'s memory')
  t.same(rules.violations, [])
})

t.test('when every packager fails, the player gets a coded error at once, not a hang', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  const last = newest(await new PlaylistRuleLog().fetch(`${origin.url}/live01/lo/playlist.m3u8`))
  a.segmentFault = (info) => info.msn === last ? '500' : info.msn === last - 1 ? '404' : 'ok'
  b.segmentFault = (info) => info.msn === last ? 'reset' : info.msn === last - 1 ? '404' : 'ok'

  const broken = await get(`${origin.url}/live01/lo/${last}.ts`)
  t.equal(broken.status, 502)
  t.match(JSON.parse(broken.text), { error: 'ORIGIN_ERR_SEGMENT_UNAVAILABLE', message: /http_5xx/ })
  const missing = await get(`${origin.url}/live01/lo/${last - 1}.ts`)
  t.equal(missing.status, 404, 'every packager said 404: so does the origin')
  t.match(JSON.parse(missing.text), { error: 'ORIGIN_ERR_SEGMENT_UNKNOWN' })

  // a failure is not cached: once a packager serves it again, so does the origin
  a.segmentFault = () => 'ok'
  const healed = await get(`${origin.url}/live01/lo/${last}.ts`)
  t.equal(healed.status, 200)
  t.equal(healed.text, a.segmentBody('lo', last))
})
