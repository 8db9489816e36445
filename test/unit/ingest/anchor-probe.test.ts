import t from 'tap'
import { anchorFromProbe } from '../../../internal/ingest/anchor-probe.js'
import { liveShiftSeconds } from '../../../internal/worker/live-ffmpeg-args.js'

t.test('the anchor is the first picture\'s timestamp at the moment the probe answered', async (t) => {
  const json = JSON.stringify({ streams: [{ index: 1, codec_type: 'video' }], packets: [{ stream_index: 1, pts_time: '3.021000' }] })
  t.same(anchorFromProbe(json, 1_800_000_000_123), { anchor: { source_ms: 3021, epoch_ms: 1_800_000_000_123, probe_ms: 0 }, hasAudio: false })
  t.equal(anchorFromProbe('{"streams": []}', 1), 'the publish has no video stream')
  t.equal(anchorFromProbe('{"streams": [{"index": 0, "codec_type": "video"}], "packets": []}', 1), 'no video packet with a timestamp in the first packets')
  t.equal(anchorFromProbe('not json', 1), 'ffprobe answered something that is not JSON')
})

t.test('the shift maps the anchor\'s source time onto its epoch time, relative to the run\'s t0', async (t) => {
  const anchor = { source_ms: 3021, epoch_ms: 1_800_000_001_000, probe_ms: 900 }
  const t0 = 1_800_000_004_000
  // the anchor picture lands 3 s before t0; a picture 5 s later in source time lands 2 s after t0
  t.ok(Math.abs(liveShiftSeconds(anchor, t0) + 3.021 + 3) < 1e-9)
  t.ok(Math.abs(liveShiftSeconds(anchor, t0) + 8.021 - 2) < 1e-9)
})
