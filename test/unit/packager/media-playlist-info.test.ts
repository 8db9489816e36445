import t from 'tap'
import { parsePlaylistInfo } from '../../../internal/packager/media-playlist-info.js'

t.test('media playlist: sequence, count, last msn, target duration', async (t) => {
  const info = parsePlaylistInfo([
    '#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:898000000',
    '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z', '#EXTINF:2.000,', 'seg_898000000.ts',
    '#EXT-X-DISCONTINUITY', '#EXTINF:2.000,', 'seg_898000001.ts', ''
  ].join('\r\n'))
  t.same(info, { isMaster: false, mediaSequence: 898000000, segmentCount: 2, lastMsn: 898000001, targetDurationS: 2, endList: false })
})

t.test('defaults, ENDLIST, master, junk', async (t) => {
  t.same(parsePlaylistInfo('#EXTM3U\n#EXTINF:1,\na.ts\n#EXT-X-ENDLIST\n'), { isMaster: false, mediaSequence: 0, segmentCount: 1, lastMsn: 0, targetDurationS: undefined, endList: true })
  const master = parsePlaylistInfo('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/playlist.m3u8\n')
  t.equal(master.isMaster, true)
  t.equal(master.segmentCount, 0)
  const junk = parsePlaylistInfo('#EXT-X-MEDIA-SEQUENCE:abc\n#EXT-X-TARGETDURATION:-3\n\u0000\n')
  t.equal(junk.mediaSequence, 0)
  t.equal(junk.targetDurationS, undefined)
  t.equal(parsePlaylistInfo('').lastMsn, -1, 'empty playlist lists nothing')
})
