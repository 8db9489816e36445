import t from 'tap'
import { DEFAULT_PARSE_LIMITS, parseMediaPlaylist } from '../../../internal/hls/playlist-parser.js'
import { serializeMediaPlaylist } from '../../../internal/hls/playlist-serializer.js'
import { parseAttributeList } from '../../../internal/hls/attribute-list.js'
import { lastPart } from '../../../internal/hls/media-playlist.js'

const CMAF = { ...DEFAULT_PARSE_LIMITS, cmaf: true }
const head = '#EXTM3U\n#EXT-X-VERSION:9\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:10\n#EXT-X-MAP:URI="init.mp4"\n'
const ll = `${head}#EXTINF:2,\n10.m4s\n#EXT-X-PART:DURATION=0.5,URI="11.0.m4s",INDEPENDENT=YES\n#EXT-X-PART:DURATION=0.5,URI="11.1.m4s"\n#EXTINF:2,\n11.m4s\n` +
  '#EXT-X-PART:DURATION=0.5,URI="12.0.m4s",INDEPENDENT=YES\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="12.1.m4s"\n#EXT-X-RENDITION-REPORT:URI="../480p/playlist.m3u8",LAST-MSN=12,LAST-PART=0\n'

t.test('an LL-HLS CMAF playlist: map, parts per segment, trailing parts, preload hint', async (t) => {
  const r = parseMediaPlaylist(ll, CMAF)
  if (!r.ok) throw new Error(r.reason)
  const p = r.playlist
  t.equal(p.partTargetDuration, 0.5)
  t.same(p.segments.map((s) => s.map), ['init.mp4', 'init.mp4'])
  t.same(p.segments.map((s) => s.parts?.map((x) => x.uri) ?? []), [[], ['11.0.m4s', '11.1.m4s']])
  t.same(p.segments[1]?.parts?.map((x) => x.independent), [true, false])
  t.same(p.trailingParts?.map((x) => x.uri), ['12.0.m4s'])
  t.equal(p.preloadHint, '12.1.m4s')
  t.same(lastPart(p), { msn: 12, part: 0 })
})

t.test('CMAF tags are refused where the reader does not take them, and hostile ones everywhere', async (t) => {
  t.match(parseMediaPlaylist(ll), { ok: false, reason: /unsupported tag #EXT-X-PART-INF/ }, 'off by default')
  const cases: Array<[string, string, RegExp]> = [
    ['part URI climbs', `${head}#EXT-X-PART:DURATION=0.5,URI="../x.m4s"\n#EXTINF:2,\n10.m4s\n`, /EXT-X-PART URI/],
    ['map to another host', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="http://evil.example/init.mp4"\n#EXTINF:2,\n1.m4s\n', /EXT-X-MAP URI/],
    ['map byte range', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MAP:URI="i.mp4",BYTERANGE="10@0"\n#EXTINF:2,\n1.m4s\n', /BYTERANGE/],
    ['part without duration', `${head}#EXT-X-PART:URI="10.0.m4s"\n#EXTINF:2,\n10.m4s\n`, /DURATION/],
    ['part gap', `${head}#EXT-X-PART:DURATION=0.5,URI="10.0.m4s",GAP=YES\n#EXTINF:2,\n10.m4s\n`, /GAP/],
    ['parts without PART-INF', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-PART:DURATION=0.5,URI="1.0.m4s"\n#EXTINF:2,\n1.m4s\n', /without EXT-X-PART-INF/],
    ['malformed attributes', `${head}#EXT-X-PART:DURATION=0.5,URI="10.0.m4s\n#EXTINF:2,\n10.m4s\n`, /malformed attribute list/],
    ['a delta update', `${head}#EXT-X-SKIP:SKIPPED-SEGMENTS=3\n#EXTINF:2,\n13.m4s\n`, /unsupported tag #EXT-X-SKIP/]
  ]
  for (const [name, text, reason] of cases) t.match(parseMediaPlaylist(text, CMAF), { ok: false, reason }, name)
})

t.test('attribute lists: quoted values keep commas; duplicates and junk are not a list', async (t) => {
  t.same([...parseAttributeList('URI="a,b.m4s",DURATION=0.5,INDEPENDENT=YES')!], [['URI', 'a,b.m4s'], ['DURATION', '0.5'], ['INDEPENDENT', 'YES']])
  t.equal(parseAttributeList('A=1,A=2'), undefined)
  t.equal(parseAttributeList('A=1 junk'), undefined)
  t.equal(parseAttributeList('lower=1'), undefined)
})

t.test('a delta update skips the oldest segments and names the map again; the rest is the full playlist', async (t) => {
  const r = parseMediaPlaylist(ll, CMAF)
  if (!r.ok) throw new Error(r.reason)
  const full = serializeMediaPlaylist(r.playlist)
  const delta = serializeMediaPlaylist(r.playlist, { skipSegments: 1 })
  t.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=1\n#EXT-X-MAP:URI="init.mp4"\n#EXT-X-PART/)
  t.notMatch(delta, /^10\.m4s$/m)
  t.equal(delta.slice(delta.indexOf('#EXT-X-PART:DURATION')), full.slice(full.indexOf('#EXT-X-PART:DURATION')), 'the tail is the same')
  t.equal(serializeMediaPlaylist(r.playlist, { skipSegments: 0 }), full)
})
