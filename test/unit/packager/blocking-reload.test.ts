import t from 'tap'
import { blockingTimeoutMs, decideBlockingReload, parseBlockingParams } from '../../../internal/packager/blocking-reload.js'
import { FALLBACK_TARGET_DURATION_MS } from '../../../internal/hls/target-duration.js'
import { scanPlaylist } from '../../../internal/hls/playlist-scanner.js'

const info = scanPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2,\na.ts\n#EXTINF:2,\nb.ts\n') // 10..11

t.test('parseBlockingParams', async (t) => {
  t.same(parseBlockingParams({}), { ok: true, request: undefined })
  t.same(parseBlockingParams({ _HLS_msn: '12' }), { ok: true, request: { msn: 12, part: undefined } })
  t.same(parseBlockingParams({ _HLS_msn: '12', _HLS_part: '3' }), { ok: true, request: { msn: 12, part: 3 } })
  for (const query of [{ _HLS_part: '1' }, { _HLS_msn: 'x' }, { _HLS_msn: '-1' }, { _HLS_msn: '' }, { _HLS_msn: ['1', '2'] }, { _HLS_msn: '1', _HLS_part: '1e3' }, { _HLS_msn: '1'.repeat(20) }]) {
    t.equal(parseBlockingParams(query).ok, false, JSON.stringify(query))
  }
})

t.test('decideBlockingReload: ready, wait up to last+2, too far beyond', async (t) => {
  t.equal(decideBlockingReload(info, { msn: 5, part: undefined }), 'ready', 'already gone from the window')
  t.equal(decideBlockingReload(info, { msn: 11, part: undefined }), 'ready')
  t.equal(decideBlockingReload(info, { msn: 11, part: 4 }), 'ready')
  t.equal(decideBlockingReload(info, { msn: 12, part: undefined }), 'wait')
  t.equal(decideBlockingReload(info, { msn: 13, part: 0 }), 'wait')
  t.equal(decideBlockingReload(info, { msn: 14, part: undefined }), 'too-far')
  const ended = scanPlaylist('#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2,\na.ts\n#EXT-X-ENDLIST\n')
  t.equal(decideBlockingReload(ended, { msn: 12, part: undefined }), 'ready', 'an ended playlist never blocks')
})

t.test('timeout is three target durations', async (t) => {
  t.equal(blockingTimeoutMs(info), 6000)
  // the packager's own 6 s fallback gave way to the one shared fallback (hls/target-duration.ts)
  t.equal(blockingTimeoutMs(scanPlaylist('#EXTM3U\n')), 3 * FALLBACK_TARGET_DURATION_MS, 'falls back to the shared fallback target duration')
  t.equal(FALLBACK_TARGET_DURATION_MS, 2000)
  t.equal(blockingTimeoutMs(scanPlaylist('#EXTM3U\n'), 6), 18_000, 'an explicit fallback still wins')
})

t.test('decideBlockingReload with parts: part P of the segment being written, or any later segment', async (t) => {
  const ll = scanPlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:1,\n10.m4s\n' +
    '#EXT-X-PART:DURATION=0.5,URI="11.0.m4s",INDEPENDENT=YES\n#EXT-X-PRELOAD-HINT:TYPE=PART,URI="11.1.m4s"\n')
  t.equal(decideBlockingReload(ll, { msn: 11, part: 0 }), 'ready', 'listed as a trailing part')
  t.equal(decideBlockingReload(ll, { msn: 11, part: 1 }), 'wait', 'the hinted part')
  t.equal(decideBlockingReload(ll, { msn: 11, part: undefined }), 'wait', 'without _HLS_part: the whole segment')
  t.equal(decideBlockingReload(ll, { msn: 10, part: 5 }), 'ready', 'a part of a listed segment')
  t.equal(decideBlockingReload(ll, { msn: 12, part: 0 }), 'wait')
})
