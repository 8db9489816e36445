import t from 'tap'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, metrics, metricValue, startPairAndOrigin } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

/** Every series the README's metrics table promises for the origin, with its Prometheus type. */
const ORIGIN_METRICS: Readonly<Record<string, 'counter' | 'gauge'>> = {
  origin_failovers_total: 'counter',
  origin_stitches_total: 'counter',
  origin_active_packager: 'gauge',
  origin_packager_eligible: 'gauge',
  origin_playlist_age_seconds: 'gauge',
  origin_last_media_sequence: 'gauge',
  origin_playlist_builds_total: 'counter',
  origin_upstream_fetches_total: 'counter',
  origin_segments_served_total: 'counter',
  origin_signals: 'gauge',
  origin_edges: 'gauge',
  http_requests_total: 'counter'
}

t.test('a real origin exposes every documented series, and a dead packager moves origin_failovers_total', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  advanceEvery(t, [a, b], 1000)
  // a segment through the origin, so origin_segments_served_total has a sample
  const playlist = (await get(`${origin.url}/live01/hi/playlist.m3u8`)).text
  const segment = playlist.split('\n').filter((l) => l.endsWith('.ts')).pop() ?? ''
  t.equal((await get(`${origin.url}/live01/hi/${segment}`)).status, 200, 'a segment was served')

  const active = await waitFor('an active packager', async () => {
    const text = await metrics(origin)
    if (metricValue(text, 'origin_active_packager', { signal: 'live01', packager: a.url }) === 1) return { text, packager: a, other: b }
    if (metricValue(text, 'origin_active_packager', { signal: 'live01', packager: b.url }) === 1) return { text, packager: b, other: a }
    return undefined
  }, { timeoutMs: 10_000 })
  for (const [name, type] of Object.entries(ORIGIN_METRICS)) t.match(active.text, new RegExp(`^# TYPE ${name} ${type}$`, 'm'), `${name} (${type})`)
  t.ok(metricValue(active.text, 'origin_segments_served_total', { source: 'packager' }) >= 1, 'segments served, by source')
  t.ok(metricValue(active.text, 'origin_upstream_fetches_total', { kind: 'playlist', result: 'ok' }) >= 1, 'upstream fetches, by kind and result')
  t.ok(metricValue(active.text, 'origin_playlist_age_seconds', { signal: 'live01' }) < 5, 'playlist age is fresh')
  t.equal(metricValue(active.text, 'origin_failovers_total'), 0, 'no failover yet')
  // label values are configured URLs and fixed words, never request data
  t.notMatch(active.text, /live01\/hi\//, 'no request path became a label value')

  await active.packager.close()
  const after = await waitFor('origin_failovers_total to move', async () => {
    const text = await metrics(origin)
    return metricValue(text, 'origin_failovers_total', { signal: 'live01', from: active.packager.url, to: active.other.url }) === 1 ? text : undefined
  }, { timeoutMs: 10_000 })
  t.equal(metricValue(after, 'origin_active_packager', { signal: 'live01', packager: active.other.url }), 1, 'the survivor is the active packager')
  t.equal(metricValue(after, 'origin_active_packager', { signal: 'live01', packager: active.packager.url }), 0)
  t.ok(metricValue(after, 'origin_upstream_fetches_total', { packager: active.packager.url, result: 'refused' }) +
    metricValue(after, 'origin_upstream_fetches_total', { packager: active.packager.url, result: 'reset' }) >= 1, 'the dead packager\'s failed fetches are counted')
  const failovers = origin.service.status().failovers
  t.equal(failovers.length, 1, 'the status page\'s failover log saw it too')
})
