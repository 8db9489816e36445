import t from 'tap'
import { parsePlaylist, parseMediaPlaylist, parseMasterPlaylist, DEFAULT_PARSE_LIMITS } from '../../../internal/hls/playlist-parser.js'

const MEDIA = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:850000000
#EXT-X-DISCONTINUITY-SEQUENCE:4
#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z
#EXTINF:2.000000,
850000000.ts
#EXTINF:1.960,
850000001.ts
#EXT-X-DISCONTINUITY
#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:30.500+00:00
#EXTINF:2,title
720p/850000002.ts
`

const MASTER = `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=800000,AVERAGE-BANDWIDTH=700000,RESOLUTION=640x360,FRAME-RATE=25.000,CODECS="avc1.64001e,mp4a.40.2"
360p/playlist.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720
720p/playlist.m3u8
`

t.test('a valid media playlist becomes the typed model', async (t) => {
  const r = parseMediaPlaylist(MEDIA)
  if (!r.ok) { t.fail(r.reason); return }
  const p = r.playlist
  t.equal(p.kind, 'media')
  t.equal(p.version, 3)
  t.equal(p.targetDuration, 2)
  t.equal(p.mediaSequence, 850000000)
  t.equal(p.discontinuitySequence, 4)
  t.equal(p.independentSegments, true)
  t.equal(p.endList, false)
  t.same(p.segments.map((s) => [s.msn, s.uri, s.duration, s.discontinuity]), [
    [850000000, '850000000.ts', 2, false],
    [850000001, '850000001.ts', 1.96, false],
    [850000002, '720p/850000002.ts', 2, true]
  ])
  t.equal(p.segments[0]?.programDateTimeMs, Date.parse('2023-11-14T22:13:20.000Z'))
  t.equal(p.segments[1]?.programDateTimeMs, Date.parse('2023-11-14T22:13:22.000Z'), 'PDT extrapolated forward')
  t.equal(p.segments[2]?.programDateTimeMs, Date.parse('2023-11-14T22:13:30.500Z'))
})

t.test('a valid master playlist becomes the typed model', async (t) => {
  const r = parseMasterPlaylist(MASTER)
  if (!r.ok) { t.fail(r.reason); return }
  t.same(r.playlist.variants, [
    { uri: '360p/playlist.m3u8', bandwidth: 800000, averageBandwidth: 700000, resolution: { width: 640, height: 360 }, codecs: 'avc1.64001e,mp4a.40.2', frameRate: 25 },
    { uri: '720p/playlist.m3u8', bandwidth: 2800000, resolution: { width: 1280, height: 720 } }
  ])
  t.equal(r.playlist.independentSegments, true)
})

t.test('master and media are told apart, and mix-ups are refused', async (t) => {
  t.equal((parsePlaylist(MASTER) as { playlist: { kind: string } }).playlist.kind, 'master')
  t.equal((parsePlaylist(MEDIA) as { playlist: { kind: string } }).playlist.kind, 'media')
  t.match(parseMediaPlaylist(MASTER), { ok: false, reason: /expected a media playlist/ })
  t.match(parseMasterPlaylist(MEDIA), { ok: false, reason: /expected a master playlist/ })
  t.match(parsePlaylist(MASTER + '#EXTINF:2,\n1.ts\n'), { ok: false, reason: /mixes master/ })
})

const head = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:1\n'
const seg = (inf: string, uri = '1.ts'): string => `${head}#EXTINF:${inf},\n${uri}\n`

t.test('hostile media playlists are refused with a reason, never thrown', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['empty', '', /#EXTM3U/],
    ['no #EXTM3U', '#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n1.ts\n', /#EXTM3U/],
    ['HTML error page', '<html><body>502 Bad Gateway</body></html>', /#EXTM3U/],
    ['NUL byte', seg('2', '1.ts\u0000'), /NUL/],
    ['non-numeric duration', seg('abc'), /EXTINF/],
    ['negative duration', seg('-2'), /EXTINF/],
    ['NaN duration', seg('NaN'), /EXTINF/],
    ['Infinity duration', seg('Infinity'), /EXTINF/],
    ['exponent duration', seg('1e3'), /EXTINF/],
    ['zero duration', seg('0'), /greater than 0/],
    ['huge duration', seg('99999999999'), /EXTINF|longer than the target/],
    ['segment longer than target (rounded)', seg('2.5'), /longer than the target/],
    ['missing target duration', '#EXTM3U\n#EXTINF:2,\n1.ts\n', /TARGETDURATION/],
    ['target duration twice', `${head}#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n1.ts\n`, /twice/],
    ['non-integer target duration', '#EXTM3U\n#EXT-X-TARGETDURATION:2.5\n#EXTINF:2,\n1.ts\n', /TARGETDURATION/],
    ['absurd target duration', '#EXTM3U\n#EXT-X-TARGETDURATION:100000\n#EXTINF:2,\n1.ts\n', /TARGETDURATION/],
    ['negative media sequence', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:-5\n#EXTINF:2,\n1.ts\n', /MEDIA-SEQUENCE/],
    ['huge media sequence', '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:99999999999999999999\n#EXTINF:2,\n1.ts\n', /MEDIA-SEQUENCE/],
    ['bad PDT', `${head}#EXT-X-PROGRAM-DATE-TIME:yesterday\n#EXTINF:2,\n1.ts\n`, /PROGRAM-DATE-TIME/],
    ['absolute URL', seg('2', 'http://evil.example/1.ts'), /relative segment name/],
    ['protocol-relative URL', seg('2', '//evil.example/1.ts'), /relative segment name/],
    ['leading slash', seg('2', '/etc/1.ts'), /relative segment name/],
    ['dot-dot', seg('2', '../1.ts'), /relative segment name/],
    ['dot-dot inside', seg('2', 'a/../../1.ts'), /relative segment name/],
    ['backslash', seg('2', '..\\1.ts'), /relative segment name/],
    ['query', seg('2', '1.ts?redirect=http://x'), /relative segment name/],
    ['percent-encoding', seg('2', '%2e%2e/1.ts'), /relative segment name/],
    ['not a segment extension', seg('2', 'passwd'), /relative segment name/],
    ['too deep', seg('2', 'a/b/1.ts'), /relative segment name/],
    ['EXTINF without URI (truncated)', `${head}#EXTINF:2,\n`, /truncated/],
    ['two EXTINF in a row', `${head}#EXTINF:2,\n#EXTINF:2,\n1.ts\n`, /EXTINF without a URI/],
    ['URI without EXTINF', `${head}1.ts\n`, /URI without EXTINF/],
    ['truncated mid-URI', `${head}#EXTINF:2,\n12`, /relative segment name/],
    ['encrypted', `${head}#EXT-X-KEY:METHOD=AES-128,URI="http://evil/key"\n#EXTINF:2,\n1.ts\n`, /unsupported tag #EXT-X-KEY/],
    ['EXT-X-MAP', `${head}#EXT-X-MAP:URI="init.mp4"\n#EXTINF:2,\n1.m4s\n`, /unsupported/],
    ['variable substitution', `${head}#EXT-X-DEFINE:NAME="x",VALUE="../../"\n#EXTINF:2,\n1.ts\n`, /unsupported/]
  ]
  for (const [name, text, reason] of cases) {
    const r = parseMediaPlaylist(text)
    t.match(r, { ok: false, reason }, name)
  }
})

t.test('size and count caps', async (t) => {
  const many = head + Array.from({ length: 11 }, (_, i) => `#EXTINF:2,\n${i}.ts\n`).join('')
  t.match(parseMediaPlaylist(many, { ...DEFAULT_PARSE_LIMITS, maxSegments: 10 }), { ok: false, reason: /too many|more than 10/ })
  t.equal(parseMediaPlaylist(many, { ...DEFAULT_PARSE_LIMITS, maxSegments: 11 }).ok, true)
  const big = '#EXTM3U\n' + '#' + 'x'.repeat(DEFAULT_PARSE_LIMITS.maxBytes) + '\n'
  t.match(parseMediaPlaylist(big), { ok: false, reason: /larger than/ })
  t.match(parseMediaPlaylist(`${head}#${'y'.repeat(5000)}\n#EXTINF:2,\n1.ts\n`), { ok: false, reason: /longer than/ })
  const fiveThousand = head + Array.from({ length: 5001 }, (_, i) => `#EXTINF:2,\n${i}.ts\n`).join('')
  t.match(parseMediaPlaylist(fiveThousand), { ok: false }, 'default cap is 5000 segments')
})

t.test('hostile master playlists are refused', async (t) => {
  const cases: Array<[string, string, RegExp]> = [
    ['no variants', '#EXTM3U\n#EXT-X-INDEPENDENT-SEGMENTS\n', /TARGETDURATION|no variants/],
    ['missing bandwidth', '#EXTM3U\n#EXT-X-STREAM-INF:RESOLUTION=1x1\n360p/playlist.m3u8\n', /BANDWIDTH/],
    ['bad bandwidth', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=-1\n360p/playlist.m3u8\n', /BANDWIDTH/],
    ['bad resolution', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=big\n360p/playlist.m3u8\n', /RESOLUTION/],
    ['absolute variant URL', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\nhttp://evil/360p.m3u8\n', /relative playlist name/],
    ['variant escaping', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n../x/playlist.m3u8\n', /relative playlist name/],
    ['variant not a playlist', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/1.ts\n', /relative playlist name/],
    ['truncated', '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n', /truncated/]
  ]
  for (const [name, text, reason] of cases) t.match(parsePlaylist(text), { ok: false, reason }, name)
})

t.test('random garbage never throws', async (t) => {
  let seed = 42
  const rnd = (): number => { seed = (seed * 1103515245 + 12345) & 0x7fffffff; return seed / 0x7fffffff }
  const pieces = ['#EXTM3U\n', '#EXTINF:', '2', ',', '\n', '1.ts', '#EXT-X-TARGETDURATION:', '#EXT-X-STREAM-INF:BANDWIDTH=', '-', '.', '\r', '"', '=', 'x/y.m3u8', '#EXT-X-DISCONTINUITY\n', '\u0000', '%', '#EXT-X-PROGRAM-DATE-TIME:2024-01-01T00:00:00Z\n']
  let threw = 0
  let parsed = 0
  for (let i = 0; i < 3000; i++) {
    let text = ''
    const n = Math.floor(rnd() * 40)
    for (let j = 0; j < n; j++) text += pieces[Math.floor(rnd() * pieces.length)] ?? ''
    try { if (parsePlaylist(text).ok) parsed++ } catch { threw++ }
  }
  t.equal(threw, 0, 'no exception on 3000 random inputs')
  t.ok(parsed < 3000, `most garbage is refused (${parsed} accepted)`)
})
