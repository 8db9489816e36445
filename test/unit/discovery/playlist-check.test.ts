import t from 'tap'
import { checkPlaylist } from '../../../internal/discovery/playlist-check.js'
import { parsePlaylist } from '../../../internal/hls/playlist-parser.js'
import { isValidVariantUriOnAnyHost } from '../../../internal/hls/playlist-uri.js'
import { mediaPlaylist } from '../../support/fake-packager.js'

// checkPlaylist reads through hls/'s parser: what it calls media is what the origin can read.

t.test('facts come from the shared parser', async (t) => {
  const text = mediaPlaylist(898_000_000, { count: 5, targetSeconds: 2 })
  const parsed = parsePlaylist(text)
  if (!parsed.ok || parsed.playlist.kind !== 'media') throw new Error('fixture')
  t.same(checkPlaylist(text), {
    kind: 'media',
    mediaSequence: parsed.playlist.mediaSequence,
    lastSequence: parsed.playlist.segments[4]?.msn,
    lastSegmentUri: 'segment_898000004.ts',
    targetDurationMs: parsed.playlist.targetDuration * 1000
  })
})

t.test('absolute variant and segment URIs are read; the prober judges the host', async (t) => {
  t.same(checkPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://127.0.0.1:8080/live01/720p/playlist.m3u8\n'),
    { kind: 'master', firstVariantUri: 'http://127.0.0.1:8080/live01/720p/playlist.m3u8' })
  t.same(checkPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://169.254.169.254/x.m3u8\n'), { kind: 'master', firstVariantUri: 'http://169.254.169.254/x.m3u8' })
  t.equal(checkPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nhttp://edge.example/720p/5.ts\n').kind, 'media')
  t.equal(checkPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://a.example/../x.m3u8\n').kind, 'malformed', 'a path that climbs is still refused')
  t.equal(checkPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://a.example/x.m3u8?y=1\n').kind, 'malformed', 'a query is still refused')
})

t.test('what the origin would refuse is malformed here too, with the parser\'s reason', async (t) => {
  const map = checkPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\n1.m4s\n')
  t.match(map, { kind: 'media' }, 'a CMAF packager is read as the origin reads it')
  t.match(checkPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="../init.mp4"\n#EXTINF:2,\n1.m4s\n'), { kind: 'malformed', detail: /EXT-X-MAP URI/ })
  t.match(checkPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:5,\n1.ts\n'), { kind: 'malformed', detail: /longer than the target duration/ })
  t.match(checkPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:-1\n#EXTINF:2,\n1.ts\n'), { kind: 'malformed', detail: /MEDIA-SEQUENCE/ })
})

t.test('variant URIs on any host: a valid path of at most two folders', async (t) => {
  for (const ok of ['playlist.m3u8', '720p/playlist.m3u8', 'https://h.example/live01/720p/playlist.m3u8', 'http://h.example/x.m3u8']) t.ok(isValidVariantUriOnAnyHost(ok), ok)
  for (const bad of ['http://h.example/a/b/c/x.m3u8', 'http://h.example/x.ts', 'ftp://h.example/x.m3u8', 'http://u:p@h.example/x.m3u8', 'http://h.example/%2e%2e/x.m3u8', 'http://h.example/x.m3u8#f']) t.notOk(isValidVariantUriOnAnyHost(bad), bad)
})
