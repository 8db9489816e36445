import t from 'tap'
import fc from 'fast-check'
import { canSkipUntilOf, skippableSegments, wantsDelta } from '../../../internal/hls/delta-update.js'
import type { Segment } from '../../../internal/hls/media-playlist.js'

const seg = (msn: number, duration = 1, parts = 0): Segment => ({
  msn, uri: `${msn}.m4s`, duration, discontinuity: false, ...(parts > 0 ? { parts: Array.from({ length: parts }, (_, k) => ({ uri: `${msn}.${k}.m4s`, duration: duration / parts, independent: k === 0 })) } : {})
})

t.test('skippable: the segments that end before the skip boundary, never one with parts', async (t) => {
  const segments = [...Array.from({ length: 27 }, (_, i) => seg(i)), seg(27, 1, 2), seg(28, 1, 2), seg(29, 1, 2)]
  t.equal(skippableSegments({ segments }, 6), 24)
  t.equal(skippableSegments({ segments: segments.slice(0, 5) }, 6), 0, 'shorter than CAN-SKIP-UNTIL: nothing')
  t.equal(skippableSegments({ segments: [seg(0), seg(1, 1, 2), seg(2), seg(3), seg(4), seg(5), seg(6), seg(7)] }, 6), 1, 'stops at a segment with parts')
  fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 4 }), { maxLength: 40 }), fc.integer({ min: 1, max: 30 }), (durations, until) => {
    const list = durations.map((d, i) => seg(i, d))
    const n = skippableSegments({ segments: list }, until)
    const kept = list.slice(n).reduce((sum, s) => sum + s.duration, 0)
    // what is kept covers CAN-SKIP-UNTIL, and one segment fewer kept would not
    return kept >= Math.min(until, list.reduce((sum, s) => sum + s.duration, 0)) && (n === 0 || kept - (list[n]?.duration ?? 0) < until)
  }))
})

t.test('CAN-SKIP-UNTIL is read wherever it stands in SERVER-CONTROL; _HLS_skip YES and v2', async (t) => {
  t.equal(canSkipUntilOf('#EXTM3U\n#EXT-X-SERVER-CONTROL:CAN-SKIP-UNTIL=12.0\n'), 12)
  t.equal(canSkipUntilOf('#EXTM3U\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=1.5,CAN-SKIP-UNTIL=6\n'), 6)
  t.equal(canSkipUntilOf('#EXTM3U\n#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES\n'), undefined)
  t.ok(wantsDelta('YES'))
  t.ok(wantsDelta('v2'))
  t.notOk(wantsDelta('NO'))
  t.notOk(wantsDelta(['YES', 'YES']))
})
