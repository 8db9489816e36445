import t from 'tap'
import fc from 'fast-check'
import { MAX_CATCH_UP_SEGMENTS, planCatchUp } from '../../../internal/worker/catch-up.js'
import { withCatchUp } from '../../../internal/worker/public-playlist.js'
import type { MediaPlaylist, Segment } from '../../../internal/hls/media-playlist.js'

const seg = (msn: number): Segment => ({ msn, uri: `${msn}.ts`, duration: 2, discontinuity: false, programDateTimeMs: msn * 2000 })
const playlist = (...msns: number[]): MediaPlaylist => ({ kind: 'media', version: 3, targetDuration: 2, mediaSequence: msns[0] ?? 0, discontinuitySequence: 0, segments: msns.map(seg), endList: false, independentSegments: true })
const msnsOf = (p: MediaPlaylist): number[] => p.segments.map((s) => s.msn)

t.test('the plan: the MSNs after the last one every rendition published, before the restart', async (t) => {
  t.same(planCatchUp(99, 101), { firstMsn: 100, count: 1 }, 'killed mid-segment: the segment being written')
  t.same(planCatchUp(98, 101), { firstMsn: 99, count: 2 }, 'killed before the last one was flushed: that one too')
  t.equal(planCatchUp(100, 101), undefined, 'nothing lost')
  t.equal(planCatchUp(undefined, 101), undefined, 'nothing published yet: nothing to follow')
  t.equal(planCatchUp(90, 101), undefined, `more than ${MAX_CATCH_UP_SEGMENTS} lost: left as a gap`)
})

t.test('merged: the caught-up segments join the dead run\'s window, then the restarted run\'s', async (t) => {
  t.same(msnsOf(withCatchUp(playlist(95, 96, 97, 98, 99), [seg(100)])), [95, 96, 97, 98, 99, 100], 'before the restarted run writes: appended to the dead run\'s window')
  const restarted = withCatchUp(playlist(101), [seg(100)])
  t.same(msnsOf(restarted), [100, 101], 'the restarted run\'s first segment follows it')
  t.equal(restarted.mediaSequence, 100)
  t.same(msnsOf(withCatchUp(playlist(102, 103), [seg(100)])), [102, 103], 'once the window slides past, it drops out')
  t.same(msnsOf(withCatchUp(playlist(101, 102), [])), [101, 102], 'nothing caught up: unchanged')
})

t.test('property: the merged window is consecutive, ends at the newest MSN, and keeps the whole private window', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 4 }), (privateLen, caught, shift) => {
    const base = 1000
    const priv = playlist(...Array.from({ length: privateLen }, (_, i) => base + shift + i))
    const extra = Array.from({ length: caught }, (_, i) => seg(base - caught + i + privateLen))
    const merged = withCatchUp(priv, extra)
    const msns = msnsOf(merged)
    const newest = Math.max(...msnsOf(priv), ...extra.map((s) => s.msn))
    return msns.every((m, i) => i === 0 || m === (msns[i - 1] ?? 0) + 1) &&
      msns.at(-1) === newest && merged.mediaSequence === msns[0] &&
      (newest !== msnsOf(priv).at(-1) || msnsOf(priv).every((m) => msns.includes(m)))
  }), { seed: 20261201 })
})
