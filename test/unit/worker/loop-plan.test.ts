import t from 'tap'
import type { InputInfo, VideoTiming } from '../../../internal/worker/input-probe.js'
import { planLoop, videoLoopTicks } from '../../../internal/worker/loop-plan.js'

/** An MP4 as x264 writes it at 30 fps: time base 1/15360, 512 ticks a frame. */
function mp4 (frames: number, overrides: Partial<VideoTiming> = {}, info: Partial<InputInfo> = {}): InputInfo {
  return {
    durationSeconds: frames / 30,
    startSeconds: 0,
    hasAudio: true,
    video: { timeBase: [1, 15360], avgFrameRate: [30, 1], frames, minPts: 0, maxPts: (frames - 1) * 512, ...overrides },
    ...info
  }
}

t.test('ffmpeg advances a video-only loop by the packet span plus one frame', async (t) => {
  t.equal(videoLoopTicks([1, 15360], [30, 1], 0, 599 * 512), 600 * 512)
  t.equal(videoLoopTicks([1, 90000], [25, 1], 0, 249 * 3600), 250 * 3600)
  // 1/30 s in milliseconds rounds to 33 ticks, as av_rescale_q does
  t.equal(videoLoopTicks([1, 1000], [30, 1], 0, 19967), 20000)
  t.equal(videoLoopTicks([1, 1000], [0, 1], 0, 19967), 19968, 'no frame rate: one tick')
})

t.test('an exact input loops as it is', async (t) => {
  const plan = planLoop(mp4(600), 2, 30)
  t.same(plan, { segmentsPerLoop: 10, loopSeconds: 20, reencodeReason: undefined, fill: false, cutSeconds: 0, videoSeconds: 20 })
  t.equal(planLoop(mp4(900), 6, 30).segmentsPerLoop, 5)
  t.equal(planLoop(mp4(900), 2, 30).reencodeReason, undefined, 'the 30 s sample loops as it is at SEG 2')
})

t.test('an input that is not a whole number of segments is cut to the last whole one', async (t) => {
  const plan = planLoop(mp4(615), 2, 30)
  t.equal(plan.segmentsPerLoop, 10)
  t.equal(plan.loopSeconds, 20)
  t.ok(Math.abs(plan.cutSeconds - 0.5) < 1e-9, `cuts ${plan.cutSeconds} s`)
  t.match(plan.reencodeReason, /20\.500 s, not a whole number of 2 s segments: it is cut to 20 s/)
  // the 30 s sample at SEG 4: 7 segments, 2 s cut
  const four = planLoop(mp4(900), 4, 30)
  t.equal(four.segmentsPerLoop, 7)
  t.equal(four.loopSeconds, 28)
  t.match(four.reencodeReason, /cut to 28 s/)
})

t.test('an input shorter than one segment is looped to fill one', async (t) => {
  const plan = planLoop(mp4(45), 2, 30)
  t.equal(plan.segmentsPerLoop, 1)
  t.equal(plan.loopSeconds, 2)
  t.equal(plan.fill, true)
  t.match(plan.reencodeReason, /1\.500 s, shorter than one 2 s segment/)
})

t.test('anything ffmpeg would not loop exactly at FRAME_RATE is re-encoded once', async (t) => {
  t.match(planLoop(mp4(500, { timeBase: [1, 12800], avgFrameRate: [25, 1], maxPts: 499 * 512 }), 2, 30).reencodeReason, /frame rate 25\/1 is not FRAME_RATE 30/)
  t.match(planLoop(mp4(600, { avgFrameRate: [30000, 1001] }), 2, 30).reencodeReason, /frame rate 30000\/1001/)
  t.equal(planLoop(mp4(600, { avgFrameRate: [60, 2] }), 2, 30).reencodeReason, undefined, '60/2 is 30')
  t.match(planLoop(mp4(600, { minPts: 1024, maxPts: 601 * 512 }), 2, 30).reencodeReason, /timestamps start at/)
  t.match(planLoop(mp4(600, {}, { startSeconds: -0.021333 }), 2, 30).reencodeReason, /timestamps start at -0.021333 s/)
  // a millisecond time base: frames sit a fraction of a millisecond off the 1/30 s grid
  const ms = planLoop(mp4(600, { timeBase: [1, 1000], maxPts: 19967 }), 2, 30)
  t.equal(ms.segmentsPerLoop, 10)
  t.equal(ms.reencodeReason, undefined, 'ffmpeg advances exactly 20000 ms per pass: no re-encode needed')
  // a dropped frame: the span is right but a frame is missing
  t.match(planLoop(mp4(599, { maxPts: 599 * 512 }), 2, 30).reencodeReason, /599 frames do not span exactly 20 s/)
})
