import t from 'tap'
import { parseMediaPlaylist, parseMasterPlaylist } from '../../../internal/hls/playlist-parser.js'
import { serializeMediaPlaylist, serializeMasterPlaylist, serializePlaylist, formatDuration, formatProgramDateTime } from '../../../internal/hls/playlist-serializer.js'
import type { MediaPlaylist } from '../../../internal/hls/media-playlist.js'
import type { MasterPlaylist } from '../../../internal/hls/master-playlist.js'

const media: MediaPlaylist = {
  kind: 'media',
  version: 3,
  targetDuration: 2,
  mediaSequence: 850000000,
  discontinuitySequence: 1,
  independentSegments: true,
  endList: false,
  segments: [
    { msn: 850000000, uri: '850000000.ts', duration: 2, discontinuity: false, programDateTimeMs: 1_700_000_000_000 },
    { msn: 850000001, uri: '850000001.ts', duration: 1.96, discontinuity: true, programDateTimeMs: 1_700_000_002_345 },
    { msn: 850000002, uri: '850000002.ts', duration: 2.0416667, discontinuity: false, programDateTimeMs: 1_700_000_004_305 }
  ]
}

const master: MasterPlaylist = {
  kind: 'master',
  version: 3,
  independentSegments: true,
  variants: [
    { uri: '360p/playlist.m3u8', bandwidth: 800000, averageBandwidth: 700000, resolution: { width: 640, height: 360 }, frameRate: 25, codecs: 'avc1.64001e,mp4a.40.2' },
    { uri: '720p/playlist.m3u8', bandwidth: 2800000 }
  ]
}

t.test('media: exact text, PDT as ISO with ms and Z', async (t) => {
  t.equal(serializeMediaPlaylist(media), [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-TARGETDURATION:2',
    '#EXT-X-MEDIA-SEQUENCE:850000000',
    '#EXT-X-DISCONTINUITY-SEQUENCE:1',
    '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:20.000Z',
    '#EXTINF:2.000,',
    '850000000.ts',
    '#EXT-X-DISCONTINUITY',
    '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.345Z',
    '#EXTINF:1.960,',
    '850000001.ts',
    '#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.305Z',
    '#EXTINF:2.041667,',
    '850000002.ts',
    ''
  ].join('\n'))
})

t.test('round trip: parse(serialize(p)) gives p back, and serialize is deterministic', async (t) => {
  const text = serializeMediaPlaylist(media)
  const back = parseMediaPlaylist(text)
  if (!back.ok) { t.fail(back.reason); return }
  t.same(back.playlist, { ...media, segments: media.segments.map((s, i) => i === 2 ? { ...s, duration: 2.041667 } : s) })
  t.equal(serializeMediaPlaylist(back.playlist), text, 'byte-identical after a round trip')
  t.equal(serializeMediaPlaylist(structuredClone(media)), text, 'equal models give equal bytes')
  const m = serializeMasterPlaylist(master)
  const mb = parseMasterPlaylist(m)
  if (!mb.ok) { t.fail(mb.reason); return }
  t.same(mb.playlist, master)
  t.equal(serializePlaylist(mb.playlist), m)
})

t.test('uriBase: a host prefix or a per-URI function, the model keeps relative paths', async (t) => {
  t.match(serializeMediaPlaylist(media, { uriBase: 'http://edge1:8101/live01/720p/' }), /\nhttp:\/\/edge1:8101\/live01\/720p\/850000001\.ts\n/)
  const text = serializeMediaPlaylist(media, { uriBase: (u) => (u.endsWith('1.ts') ? 'http://e2/' : 'http://e1/') + u })
  t.match(text, /\nhttp:\/\/e2\/850000001\.ts\n/)
  t.match(text, /\nhttp:\/\/e1\/850000002\.ts\n/)
  t.match(serializeMasterPlaylist(master, { uriBase: '/live01/' }), /\n\/live01\/360p\/playlist\.m3u8\n/)
  t.equal(media.segments[0]?.uri, '850000000.ts')
})

t.test('server control for blocking reload', async (t) => {
  const text = serializeMediaPlaylist(media, { serverControl: 'CAN-BLOCK-RELOAD=YES' })
  t.match(text, /#EXT-X-TARGETDURATION:2\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n#EXT-X-MEDIA-SEQUENCE/)
  const back = parseMediaPlaylist(text)
  t.equal(back.ok, true, 'our parser reads it back')
})

t.test('number formats', async (t) => {
  t.equal(formatDuration(2), '2.000')
  t.equal(formatDuration(1.96), '1.960')
  t.equal(formatDuration(2.0000001), '2.000')
  t.equal(formatDuration(6.006), '6.006')
  t.equal(formatProgramDateTime(0), '1970-01-01T00:00:00.000Z')
  t.equal(formatProgramDateTime(1.6), '1970-01-01T00:00:00.002Z')
  t.match(serializeMediaPlaylist({ ...media, endList: true }), /#EXT-X-ENDLIST\n$/)
})
