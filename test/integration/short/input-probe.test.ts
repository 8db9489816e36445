import t from 'tap'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { checkTool, probeInput } from '../../../internal/worker/input-probe.js'
import { makeSampleInput } from '../../support/sample-input.js'

t.test('input probe: clear errors for a missing tool, a missing file and a non-media file; facts for a real one', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'input-probe-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })

  await t.rejects(checkTool('ffmpeg', join(dir, 'no-such-ffmpeg'), 'FFMPEG_PATH'), { code: 'WORKER_ERR_FFMPEG_MISSING', message: /FFMPEG_PATH/ })
  await t.resolves(checkTool('ffmpeg', 'ffmpeg', 'FFMPEG_PATH'), 'the installed ffmpeg answers')

  await t.rejects(probeInput('ffprobe', join(dir, 'missing.mp4')), { code: 'WORKER_ERR_INPUT_UNREADABLE', message: /no such file/ })
  const junk = join(dir, 'junk.mp4')
  await writeFile(junk, 'this is not a video')
  await t.rejects(probeInput('ffprobe', junk), { code: 'WORKER_ERR_INPUT_UNPLAYABLE' })

  const input = join(dir, 'input.mp4')
  await makeSampleInput(input, 3, '320x180')
  const info = await probeInput('ffprobe', input)
  t.ok(Math.abs(info.durationSeconds - 3) < 0.2, `duration ${info.durationSeconds} s`)
  t.equal(info.hasAudio, true)
  t.equal(info.startSeconds, 0)
  // the sample is 3 s of 30 fps in an MP4: 90 frames, 512 ticks apart at 1/15360
  t.same(info.video, { timeBase: [1, 15360], avgFrameRate: [30, 1], frames: 90, minPts: 0, maxPts: 89 * 512 })
})
