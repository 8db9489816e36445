import t from 'tap'
import type { FakeLivePackager } from '../../support/fake-live-packager.js'
import { waitFor } from '../../support/wait-for.js'
import { get, metrics, metricValue, newest, PlaylistRuleLog, startPairAndOrigin } from '../../support/origin-harness.js'

const VIEWERS = 200
// each packager has one poller per rendition (hi, lo): the origin's own, viewer-independent cost
const POLLERS = 4

function playlistRequests (packagers: readonly FakeLivePackager[]): number {
  return packagers.reduce((n, p) => n + p.counts.media + p.counts['media-blocking'], 0)
}

t.test(`${VIEWERS} concurrent viewers of one playlist and one segment cost one upstream segment fetch and no playlist fetch`, async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  a.advance()
  b.advance()
  const url = `${origin.url}/live01/hi/playlist.m3u8`
  const rules = new PlaylistRuleLog()
  const last = await waitFor('the output to list the new segment', async () => {
    const p = await rules.fetch(url)
    return newest(p) === a.lastMsn ? newest(p) : undefined
  }, { timeoutMs: 5000, intervalMs: 50 })
  const segmentPath = `/live01/hi/${last}.ts`
  t.equal((a.hitsByPath.get(segmentPath) ?? 0) + (b.hitsByPath.get(segmentPath) ?? 0), 0, 'nobody fetched the segment yet')

  const playlistsBefore = playlistRequests([a, b])
  const buildsBefore = metricValue(await metrics(origin), 'origin_playlist_builds_total', { signal: 'live01' })
  const burstStart = Date.now()
  const answers = await Promise.all([
    ...Array.from({ length: VIEWERS }, async () => await get(url)),
    ...Array.from({ length: VIEWERS }, async () => await get(`${origin.url}${segmentPath}`))
  ])
  const playlistsAfter = playlistRequests([a, b])
  const burstMs = Date.now() - burstStart
  // each poller makes one request per target duration whatever the viewers do; a slow burst on a
  // loaded machine spans more of them, so the bound follows the burst's length
  const pollerBound = POLLERS * (Math.ceil(burstMs / (a.targetDurationS * 1000)) + 1)
  const buildsAfter = metricValue(await metrics(origin), 'origin_playlist_builds_total', { signal: 'live01' })

  const playlists = answers.slice(0, VIEWERS)
  const segments = answers.slice(VIEWERS)
  t.ok(playlists.every((p) => p.status === 200), 'every viewer got the playlist')
  t.equal(new Set(playlists.map((p) => p.text)).size, 1, 'all got the same bytes')
  for (const p of playlists) rules.check(url, p.text)
  t.ok(segments.every((s) => s.status === 200), 'every viewer got the segment')
  t.equal(new Set(segments.map((s) => s.text)).size, 1, 'all got the same segment bytes')

  const segmentFetches = (a.hitsByPath.get(segmentPath) ?? 0) + (b.hitsByPath.get(segmentPath) ?? 0)
  t.equal(segmentFetches, 1, `${VIEWERS} viewers of one segment: ${segmentFetches} upstream fetch`)
  t.ok(playlistsAfter - playlistsBefore <= pollerBound, `playlist requests upstream during the ${burstMs} ms burst: ${playlistsAfter - playlistsBefore} (the pollers' own, at most ${pollerBound}; ${VIEWERS} viewers would be ${VIEWERS})`)
  t.equal(buildsAfter, buildsBefore, 'no playlist was rebuilt for the burst: served from memory')
  t.same(rules.violations, [])
})

t.test(`${VIEWERS} viewers blocked on the next segment are answered by one upstream update`, async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  const url = `${origin.url}/live01/lo/playlist.m3u8`
  const rules = new PlaylistRuleLog()
  const last = newest(await rules.fetch(url))
  // the pollers sit in their own blocking reloads; give them a moment to be parked there
  await new Promise((resolve) => setTimeout(resolve, 300))
  const blockingBefore = a.counts['media-blocking'] + b.counts['media-blocking']
  const plainBefore = a.counts.media + b.counts.media

  const held = Array.from({ length: VIEWERS }, async () => await get(`${url}?_HLS_msn=${last + 1}`))
  await new Promise((resolve) => setTimeout(resolve, 300))
  a.advance()
  b.advance()
  const answers = await Promise.all(held)

  t.ok(answers.every((x) => x.status === 200), 'every held viewer got 200')
  t.ok(answers.every((x) => { const p = rules.check(url, x.text); return p !== undefined && newest(p) === last + 1 }), 'every answer lists the new segment')
  const blocking = a.counts['media-blocking'] + b.counts['media-blocking'] - blockingBefore
  const plain = a.counts.media + b.counts.media - plainBefore
  // one released poll comes back per poller and asks for the next MSN: that is all
  t.ok(blocking <= POLLERS && plain === 0, `upstream cost of ${VIEWERS} held viewers: ${blocking} blocking and ${plain} plain playlist requests (at most ${POLLERS})`)
  t.same(rules.violations, [])
})

t.test('a client walking through segment numbers far from the live edge costs no upstream request', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  const rules = new PlaylistRuleLog()
  const last = newest(await rules.fetch(`${origin.url}/live01/hi/playlist.m3u8`))
  const segmentsBefore = a.counts.segment + b.counts.segment
  const far = Array.from({ length: 50 }, (_, i) => last - 1000 - i)
  const answers = await Promise.all(far.map(async (msn) => await get(`${origin.url}/live01/hi/${msn}.ts`)))
  t.ok(answers.every((r) => r.status === 404), 'numbers far behind the window are 404 at once')
  t.equal(a.counts.segment + b.counts.segment, segmentsBefore, 'and never asked of a packager')
  // just behind the window (a restarted origin, a slow player): still asked of the packagers
  await get(`${origin.url}/live01/hi/${last - 10}.ts`)
  t.ok(a.counts.segment + b.counts.segment > segmentsBefore, 'a number near the live edge is still looked up upstream')
})
