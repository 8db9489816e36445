import t from 'tap'
import { buildCmafFfmpegArgs, cmafPipes, PREROLL_SECONDS } from '../../../internal/worker/cmaf-ffmpeg-args.js'
import { readCmafSettings } from '../../../internal/worker/cmaf-config.js'
import { parseLadder } from '../../../internal/streams/ladder.js'

const base = {
  videoPath: 'v.mp4', audioPath: 'a.pcm', loopSeconds: 20, segmentsPerLoop: 10, segmentSeconds: 2,
  ladder: parseLadder('360p:640x360:600,240p:426x240:300'), frameRate: 30, preset: 'ultrafast'
}

t.test('a CMAF run: the loop read from the pre-roll, one video and one audio pipe per rung, nothing left to chance', async (t) => {
  const odd = buildCmafFfmpegArgs({ ...base, t0Ms: 1001 * 2000, startMsn: 1001 })
  const even = buildCmafFfmpegArgs({ ...base, t0Ms: 1002 * 2000, startMsn: 1002 })
  // MSN 1001 is 1 segment into the 10-segment loop: the pre-roll starts 3 s earlier, at 19 s
  t.equal(odd[odd.indexOf('-ss') + 1], (20 + 2 - PREROLL_SECONDS).toFixed(6))
  const keyframes = (args: string[]): string => args[args.indexOf('-force_key_frames') + 1] ?? ''
  t.match(keyframes(odd), /^expr:if\(lt\(n,1\),1,/, 'an odd MSN: one IDR in the pre-roll')
  t.match(keyframes(even), /^expr:if\(lt\(n,2\),1,/, 'an even MSN: two, so its IDR has the same idr_pic_id parity')
  t.same(odd.filter((a) => a.startsWith('pipe:')), ['pipe:1', 'pipe:3', 'pipe:4', 'pipe:5', 'pipe:6'])
  t.same(cmafPipes(1), { video: 5, audio: 6 })
  for (const pinned of ['-qp', '-bf', 'cabac=0', '+bitexact', '-q:a']) t.ok(odd.includes(pinned) || odd.some((a) => a === pinned), pinned)
  t.notOk(odd.some((a) => a.startsWith('-b:')), 'no bitrate target: rate control would carry the run\'s history')
  t.notOk(odd.includes('-re'), 'read unpaced: the worker holds each part until its time')
})

t.test('SEGMENT_FORMAT and PART_DURATION: whole parts of whole frames, one clear error otherwise', async (t) => {
  t.same(readCmafSettings({}, 2, 30), { segmentFormat: 'ts', partSeconds: 0.5 })
  t.same(readCmafSettings({ SEGMENT_FORMAT: 'fmp4', PART_DURATION: '400ms' }, 2, 30), { segmentFormat: 'fmp4', partSeconds: 0.4 })
  t.throws(() => readCmafSettings({ SEGMENT_FORMAT: 'mp4' }, 2, 30), /SEGMENT_FORMAT.*not one of ts, fmp4/)
  t.throws(() => readCmafSettings({ SEGMENT_FORMAT: 'fmp4', PART_DURATION: '0.3' }, 2, 30), /PART_DURATION.*does not divide/)
  t.throws(() => readCmafSettings({ SEGMENT_FORMAT: 'fmp4', PART_DURATION: '0.25' }, 1, 30), /PART_DURATION.*whole number of frames/)
  t.throws(() => readCmafSettings({ SEGMENT_FORMAT: 'fmp4' }, 2, 15), /whole number of frames at 15 fps/, 'the default part at 15 fps')
  t.same(readCmafSettings({}, 2, 15), { segmentFormat: 'ts', partSeconds: 0.5 }, 'MPEG-TS at 15 fps: no part to check (a fleet worker at FRAME_RATE=15 starts)')
})
