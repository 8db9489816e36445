import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { loopOffsetSeconds } from '../../internal/worker/epoch-clock.js'
import { buildFfmpegArgs } from '../../internal/worker/ffmpeg-args.js'
import { probeInput } from '../../internal/worker/input-probe.js'
import { parseLadder } from '../../internal/streams/ladder.js'
import { planLoop } from '../../internal/worker/loop-plan.js'
import { prepareLoopSource } from '../../internal/worker/loop-source.js'
import { audioPeakDb, frameNumberOf, makeCounterInput, packetPts } from '../support/worker-test-helpers.js'

const run = promisify(execFile)
const SEG = 2
const FPS = 30
const log = pino({ level: 'silent' })

// The worker's real command line, run faster than real time (no -re) for 24 s (4 loops) of output: every
// segment must show loop frame (msn mod N) x SEG x fps and carry the loop-start beep only when
// msn mod N is 0, across many wraps, for runs started at different MSNs.
t.test('the looped command line shows the same frame and sound at an MSN whatever MSN the run started at', { timeout: 180_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'ffmpeg-loop-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'in.mp4')
  // 6 s of AAC is 281.25 frames of 1024 samples: the padded last frame must not lengthen the loop
  await makeCounterInput(input, 6)
  const info = await probeInput('ffprobe', input)
  const plan = planLoop(info, SEG, FPS)
  t.equal(plan.reencodeReason, undefined, 'the counter input loops as it is')
  t.equal(plan.segmentsPerLoop, 3)
  const loop = await prepareLoopSource({
    ffmpegPath: 'ffmpeg', ffprobePath: 'ffprobe', inputPath: input, info, plan, segmentSeconds: SEG, frameRate: FPS, dir: join(dir, '.loop'), log
  })

  const frameAt = (msn: number): number => (msn % plan.segmentsPerLoop) * SEG * FPS
  const ladder = parseLadder('96p:160x96:200')
  const seconds = 24
  // per run, per MSN: the audio packets from the segment's first video frame on
  const audioByRun = new Map<number, Map<number, string>>()
  for (const startMsn of [850_000_001, 850_000_003, 850_000_005]) {
    const out = join(dir, String(startMsn))
    const args = buildFfmpegArgs({
      videoPath: loop.videoPath,
      audioPath: loop.audioPath,
      loopSeconds: plan.loopSeconds,
      loopOffsetSeconds: loopOffsetSeconds(startMsn, plan.segmentsPerLoop, SEG),
      t0Ms: startMsn * SEG * 1000,
      startMsn,
      segmentSeconds: SEG,
      listSize: 100,
      deleteThreshold: 100,
      ladder,
      frameRate: FPS,
      preset: 'ultrafast',
      signalDir: out
    }).filter((a) => a !== '-re')
    args.splice(args.length - 1, 0, '-t', String(seconds))
    await run('mkdir', ['-p', out])
    await run('ffmpeg', args, { timeout: 120_000 })

    const names = (await readdir(out)).filter((n) => n.endsWith('.ts')).sort()
    t.equal(names.length, seconds / SEG, `${names.length} segments from MSN ${startMsn}`)
    const firstStart = Math.min(...await packetPts(join(out, `${startMsn}.ts`), 'v'))
    const wrong: string[] = []
    const beeps: number[] = []
    const audio = new Map<number, string>()
    audioByRun.set(startMsn, audio)
    for (let msn = startMsn; msn < startMsn + seconds / SEG; msn++) {
      const file = join(out, `${msn}.ts`)
      const frame = await frameNumberOf(file)
      if (frame !== frameAt(msn)) wrong.push(`msn ${msn}: frame ${frame}, want ${frameAt(msn)}`)
      // 90 kHz ticks: each segment starts exactly SEG after the one before
      const videoStart = Math.min(...await packetPts(file, 'v'))
      if (videoStart - firstStart !== (msn - startMsn) * SEG * 90_000) wrong.push(`msn ${msn}: video starts ${videoStart - firstStart} ticks after the first segment`)
      if (await audioPeakDb(file, 0.08) > -20) beeps.push(msn)
      audio.set(msn, (await packetPts(file, 'a')).filter((p) => p >= videoStart).join(','))
    }
    t.same(wrong, [], `from MSN ${startMsn}: every segment shows loop frame (msn mod ${plan.segmentsPerLoop}) x ${SEG * FPS} at msn x ${SEG} s`)
    const loopStarts = Array.from({ length: seconds / SEG }, (_, i) => startMsn + i).filter((m) => m % plan.segmentsPerLoop === 0)
    t.same(beeps, loopStarts, 'the loop-start beep opens exactly the segments whose MSN starts a loop')
    t.comment(`run from MSN ${startMsn} (offset ${loopOffsetSeconds(startMsn, plan.segmentsPerLoop, SEG)} s): ${names.length} segments, beeps at ${beeps.join(',')}`)
  }

  // runs started 4 s apart (2 s is 93.75 AAC frames) cut the same audio packets at every MSN they share
  const [first, ...others] = [...audioByRun.values()]
  for (const other of others) {
    // the last segment of a run is cut short by -t: not a shared moment
    const last = (m: Map<number, string>): number => Math.max(...m.keys())
    const shared = [...other.keys()].filter((msn) => first!.has(msn) && msn !== last(first!) && msn !== last(other))
    t.ok(shared.length >= 6, `${shared.length} shared MSNs`)
    t.same(shared.filter((msn) => other.get(msn) !== first!.get(msn)), [], 'same audio packet timestamps in every shared segment')
  }
})
