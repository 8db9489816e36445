import t from 'tap'
import { join } from 'node:path'
import { liveSignals, signalOfPlaylist } from '../../../internal/discovery/disk-liveness.js'
import { checkPlaylist } from '../../../internal/discovery/playlist-check.js'
import { ProgressTracker } from '../../../internal/discovery/progress-tracker.js'
import { metricReasonFor, reasonForError } from '../../../internal/discovery/probe-reason.js'
import { backoffDelayMs } from '../../../internal/process/backoff.js'
import { packagerStatus } from '../../../internal/discovery/packager-status.js'
import { MASTER, mediaPlaylist } from '../../support/fake-packager.js'

t.test('playlist paths map to signals only in the two known shapes', async (t) => {
  t.equal(signalOfPlaylist(join('live01', 'playlist.m3u8')), 'live01')
  t.equal(signalOfPlaylist(join('live01', '720p', 'playlist.m3u8')), 'live01')
  t.equal(signalOfPlaylist(join('live01', '720p', 'index.m3u8')), 'live01')
  t.equal(signalOfPlaylist(join('live01', 'other.m3u8')), undefined)
  t.equal(signalOfPlaylist('playlist.m3u8'), undefined)
  t.equal(signalOfPlaylist(join('.hidden', 'playlist.m3u8')), undefined)
  t.equal(signalOfPlaylist(join('live01', '720p', 'deep', 'x.m3u8')), undefined)
  t.equal(signalOfPlaylist(join('live01', '720p', 'segment_1.ts')), undefined)
})

t.test('a signal is live while its newest playlist is younger than the max age', async (t) => {
  const now = 100_000
  const mtimes = new Map([
    [join('a', 'playlist.m3u8'), now - 60_000], [join('a', '720p', 'playlist.m3u8'), now - 2000],
    [join('b', 'playlist.m3u8'), now - 10_000],
    [join('c', 'playlist.m3u8'), now - 9_999],
    [join('bad name', 'playlist.m3u8'), now]
  ])
  t.same(liveSignals(mtimes, now, 10_000), ['a', 'c'], 'the newest rendition keeps a alive; b is exactly at the limit')
  t.same(liveSignals(new Map(), now, 10_000), [])
})

t.test('playlists are classified: master, media, empty, malformed', async (t) => {
  t.same(checkPlaylist(MASTER), { kind: 'master', firstVariantUri: '360p/playlist.m3u8' })
  t.same(checkPlaylist(mediaPlaylist(100, { count: 4, targetSeconds: 2 })), {
    kind: 'media', mediaSequence: 100, lastSequence: 103, lastSegmentUri: 'segment_103.ts', targetDurationMs: 2000
  })
  t.equal(checkPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n').kind, 'empty')
  t.equal(checkPlaylist('<html>oops</html>').kind, 'malformed')
  t.equal(checkPlaylist('').kind, 'malformed')
  t.equal(checkPlaylist('#EXTM3U\n#EXTINF:2,\na.ts\n').kind, 'malformed', 'no target duration')
  t.equal(checkPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:abc\n#EXTINF:2,\na.ts\n').kind, 'malformed')
  t.equal(checkPlaylist('\uFEFF#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\na.ts\n').kind, 'media', 'a BOM is tolerated')
  t.equal(checkPlaylist('#EXTM3U\r\n#EXT-X-TARGETDURATION:1\r\n#EXTINF:1,\r\na.ts\r\n').kind, 'media', 'CRLF is tolerated')
})

t.test('progress: stale only after 1.5 target durations and at least two unchanged probes', async (t) => {
  const tracker = new ProgressTracker()
  const at = (seq: number): { lastSequence: number, lastSegmentUri: string, targetDurationMs: number } => ({ lastSequence: seq, lastSegmentUri: `s${seq}.ts`, targetDurationMs: 2000 })
  t.same(tracker.observe('k', at(10), 0), { stale: false, lastChange: 0, unchangedProbes: 0 })
  t.equal(tracker.observe('k', at(10), 3500).stale, false, 'one unchanged probe is not enough even past the window')
  t.equal(tracker.observe('k', at(10), 3600).stale, true, 'two unchanged probes and > 3s')
  t.same(tracker.observe('k', at(11), 3700), { stale: false, lastChange: 3700, unchangedProbes: 0 }, 'advancing clears it')
  t.equal(tracker.observe('k', at(11), 4000).stale, false)
  t.equal(tracker.observe('k', at(11), 6700).stale, false, 'exactly 1.5 x target is not yet stale')
  t.equal(tracker.observe('k', at(11), 6701).stale, true)
  t.equal(tracker.observe('k', { ...at(11), lastSegmentUri: 'other.ts' }, 6800).stale, false, 'a new last segment URI counts as progress')
  tracker.retain(new Set())
  t.equal(tracker.observe('k', at(11), 9000).unchangedProbes, 0, 'retain forgot k')
})

t.test('errors and reasons', async (t) => {
  t.equal(reasonForError(Object.assign(new Error('x'), { code: 'ECONNREFUSED' })), 'refused')
  t.equal(reasonForError(Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })), 'timeout')
  t.equal(reasonForError(new DOMException('t', 'TimeoutError')), 'timeout')
  t.equal(reasonForError(Object.assign(new Error('x'), { code: 'ECONNRESET' })), 'reset')
  t.equal(reasonForError(Object.assign(new Error('x'), { code: 'ENOTFOUND' })), 'dns')
  t.equal(reasonForError(Object.assign(new Error('x'), { code: 'UND_ERR_RES_EXCEEDED_MAX_SIZE' })), 'too_large')
  t.equal(reasonForError(new AggregateError([Object.assign(new Error('a'), { code: 'ECONNREFUSED' })])), 'refused')
  t.equal(reasonForError('weird'), 'error')
  t.equal(metricReasonFor('http 404'), 'http_404')
  t.equal(metricReasonFor('http 403'), 'http_4xx')
  t.equal(metricReasonFor('variant http 503'), 'http_5xx')
  t.equal(metricReasonFor('healthcheck http 500'), 'healthcheck_http')
  t.equal(metricReasonFor('too large'), 'too_large')
  t.equal(metricReasonFor('foreign variant'), 'foreign_variant')
  t.equal(metricReasonFor('stale'), 'stale')
  t.equal(metricReasonFor('anything else'), 'error')
})

t.test('backoff doubles from 0.5s and caps at 10s', async (t) => {
  t.same([1, 2, 3, 4, 5, 6, 100].map((n) => backoffDelayMs(n)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000])
  t.equal(backoffDelayMs(0), 0)
})

t.test('packager status: the first failing check is the reason', async (t) => {
  const position = { mediaSequence: 5, lastSequence: 7, lastSegmentUri: 's7.ts', targetDurationMs: 1000 }
  const fresh = { stale: false, lastChange: 1000, unchangedProbes: 0 }
  t.same(packagerStatus('http://p', undefined, { ok: true, position }, fresh, 1800), {
    url: 'http://p', healthy: true, reason: 'ok', media_sequence: 5, last_change: new Date(1000).toISOString(), playlist_age_ms: 800
  })
  t.same(packagerStatus('http://p', 'healthcheck http 503', { ok: true, position }, fresh, 1800).reason, 'healthcheck http 503')
  t.same(packagerStatus('http://p', undefined, { ok: true, position }, { ...fresh, stale: true }, 5000).healthy, false)
  t.same(packagerStatus('http://p', undefined, { ok: false, reason: 'http 404' }, undefined, 5000), { url: 'http://p', healthy: false, reason: 'http 404' })
})
