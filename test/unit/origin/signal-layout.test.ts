import t from 'tap'
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../internal/hls/playlist-parser.js'
import { layoutOf, sameRenditions, SIGNAL_LEVEL } from '../../../internal/origin/signal-layout.js'

const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=600000,RESOLUTION=640x360\n360p/playlist.m3u8\n' +
  '#EXT-X-STREAM-INF:BANDWIDTH=300000\nflat.m3u8\n#EXT-X-STREAM-INF:BANDWIDTH=200000,RESOLUTION=320x180\n180p/playlist.m3u8\n'
const MEDIA = '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2.0,\n10.ts\n'

function master (text: string): ReturnType<typeof layoutOf> {
  const parsed = parseMasterPlaylist(text)
  if (!parsed.ok) throw new Error(parsed.reason)
  return layoutOf('live01', parsed.playlist, 'http://a')
}

t.test('a ladder: one rendition per variant in its own folder; variants without one are left out of the master too', async (t) => {
  const layout = master(MASTER)
  t.same(layout.renditions, [{ key: '360p', playlistPath: 'live01/360p/playlist.m3u8' }, { key: '180p', playlistPath: 'live01/180p/playlist.m3u8' }])
  t.same(layout.master?.variants.map((v) => v.uri), ['360p/playlist.m3u8', '180p/playlist.m3u8'])
  t.equal(layout.learnedFrom, 'http://a')
})

t.test('a media playlist as the entry: one signal-level rendition, no master', async (t) => {
  const parsed = parseMediaPlaylist(MEDIA)
  if (!parsed.ok) throw new Error(parsed.reason)
  const layout = layoutOf('live01', parsed.playlist, 'http://b')
  t.same(layout.renditions, [{ key: SIGNAL_LEVEL, playlistPath: 'live01/playlist.m3u8' }])
  t.equal(layout.master, undefined)
})

t.test('sameRenditions: the same keys at the same paths in the same order, whoever it was learned from', async (t) => {
  const a = master(MASTER)
  t.ok(sameRenditions(a, { ...a, learnedFrom: 'http://other' }))
  t.notOk(sameRenditions(a, { ...a, renditions: [...a.renditions].reverse() }), 'order matters')
  t.notOk(sameRenditions(a, { ...a, renditions: a.renditions.slice(1) }), 'a rendition fewer')
  t.notOk(sameRenditions(a, { ...a, renditions: a.renditions.map((r) => ({ ...r, playlistPath: `x/${r.playlistPath}` })) }), 'another path')
})
