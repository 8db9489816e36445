import t from 'tap'
import { mkdtemp, readdir, rm, stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { probeInput } from '../../../internal/worker/input-probe.js'
import { LOOP_AUDIO, planLoop } from '../../../internal/worker/loop-plan.js'
import { prepareLoopSource } from '../../../internal/worker/loop-source.js'
import { makeCounterInput } from '../../support/worker-test-helpers.js'

const log = pino({ level: 'silent' })

async function prepare (dir: string, input: string, segmentSeconds: number, frameRate = 30): Promise<Awaited<ReturnType<typeof prepareLoopSource>> & { plan: ReturnType<typeof planLoop> }> {
  const info = await probeInput('ffprobe', input)
  const plan = planLoop(info, segmentSeconds, frameRate)
  const loop = await prepareLoopSource({ ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', inputPath: input, info, plan, segmentSeconds, frameRate, dir, log })
  return { ...loop, plan }
}

const pcmBytes = (seconds: number): number => seconds * LOOP_AUDIO.sampleRate * LOOP_AUDIO.bytesPerSample

t.test('an exact input keeps its video; its AAC becomes exactly loopSeconds of PCM, made once', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loop-source-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'in.mp4')
  await makeCounterInput(input, 6)
  const loopDir = join(dir, '.loop')

  const first = await prepare(loopDir, input, 2)
  t.equal(first.videoPath, input, 'no re-encode')
  t.equal(first.reused, false)
  // AAC pads 6 s to 282 frames of 1024 samples; the PCM has exactly 6 s
  t.equal((await stat(first.audioPath)).size, pcmBytes(6))

  const again = await prepare(loopDir, input, 2)
  t.equal(again.reused, true, 'a restarted worker reuses the loop files')
  t.equal(again.audioPath, first.audioPath)

  // another plan (SEG 4: one 4 s segment, cut) gets its own files and removes the old ones
  const other = await prepare(loopDir, input, 4)
  t.not(other.audioPath, first.audioPath)
  t.equal((await stat(other.audioPath)).size, pcmBytes(4))
  t.same((await readdir(loopDir)).sort(), [other.audioPath, other.videoPath].map((p) => p.slice(loopDir.length + 1)).sort())
})

t.test('a 25 fps input with no audio, 5.32 s long, is re-encoded once into an exact 4 s loop at 30 fps', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loop-source-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'odd.mp4')
  await makeCounterInput(input, 5.32, { fps: 25, audio: false })
  const loop = await prepare(join(dir, '.loop'), input, 2)
  t.match(loop.plan.reencodeReason, /frame rate 25\/1 is not FRAME_RATE 30/)
  t.equal(loop.plan.loopSeconds, 4)
  t.not(loop.videoPath, input)
  const copy = planLoop(await probeInput('ffprobe', loop.videoPath), 2, 30)
  t.equal(copy.reencodeReason, undefined, 'the copy loops exactly')
  t.equal(copy.loopSeconds, 4)
  t.equal((await stat(loop.audioPath)).size, pcmBytes(4), 'silence, exactly 4 s')
})

t.test('an input shorter than one segment is looped to fill one', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'loop-source-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'short.mp4')
  await makeCounterInput(input, 1.2)
  const loop = await prepare(join(dir, '.loop'), input, 2)
  t.equal(loop.plan.fill, true)
  const copy = planLoop(await probeInput('ffprobe', loop.videoPath), 2, 30)
  t.equal(copy.reencodeReason, undefined)
  t.equal(copy.videoSeconds, 2)
  t.equal((await stat(loop.audioPath)).size, pcmBytes(2))
})
