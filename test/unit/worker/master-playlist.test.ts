import t from 'tap'
import { buildMasterPlaylist, bandwidthFor } from '../../../internal/worker/master-playlist.js'
import { codecsFor, h264LevelIdc } from '../../../internal/worker/codec-string.js'
import { parseLadder, DEFAULT_LADDER } from '../../../internal/streams/ladder.js'

t.test('master lists every rendition, highest first, with the attributes players need', async (t) => {
  // written by hls/'s serializer, which puts FRAME-RATE before CODECS (attribute order carries no meaning)
  const text = buildMasterPlaylist({ ladder: parseLadder('240p:426x240:400,720p:1280x720:3000'), frameRate: 30, preset: 'superfast' })
  t.equal(text, `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-STREAM-INF:BANDWIDTH=3702240,AVERAGE-BANDWIDTH=3378240,RESOLUTION=1280x720,FRAME-RATE=30.000,CODECS="avc1.4d401f,mp4a.40.2"
720p/playlist.m3u8
#EXT-X-STREAM-INF:BANDWIDTH=544320,AVERAGE-BANDWIDTH=501120,RESOLUTION=426x240,FRAME-RATE=30.000,CODECS="avc1.4d401f,mp4a.40.2"
240p/playlist.m3u8
`)
})

t.test('peak bandwidth is above average, both include audio and TS overhead', async (t) => {
  for (const r of parseLadder(DEFAULT_LADDER)) {
    const { peak, average } = bandwidthFor(r)
    t.ok(peak > average, r.name)
    t.ok(average > (r.videoKbps + r.audioKbps) * 1000, r.name)
  }
})

t.test('codec string follows the preset profile and the level the size needs', async (t) => {
  t.equal(codecsFor({ width: 1280, height: 720 }, 30, 'veryfast'), 'avc1.4d401f,mp4a.40.2')
  t.equal(codecsFor({ width: 426, height: 240 }, 30, 'ultrafast'), 'avc1.42c01f,mp4a.40.2')
  t.equal(h264LevelIdc({ width: 1920, height: 1080 }, 30), 40)
  t.equal(h264LevelIdc({ width: 1280, height: 720 }, 60), 32)
  t.equal(codecsFor({ width: 1920, height: 1080 }, 30, 'fast'), 'avc1.4d4028,mp4a.40.2')
})
