import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { loadWorkerConfig } from '../../internal/worker/worker-config.js'
import { WorkerService } from '../../internal/worker/worker-service.js'
import {
  audioPeakDb, ffprobeStreams, firstFramePsnr, frameNumberOf, freePort, makeCounterInput, packetPts, readMediaPlaylist, type ListedSegment, type MediaPlaylist
} from '../support/worker-test-helpers.js'
import { waitFor } from '../support/wait-for.js'

const SEG = 2
const FPS = 30
// 8 s of input is 4 segments: any 4 MSNs in a row hold a loop start, so both workers wrap in view.
// Its frames carry their own number and its first 0.1 s a beep, so a frame or a loop start that
// is off shows as a wrong number, not as a PSNR judgement call.
const INPUT_SECONDS = 8
const SEGMENTS_PER_LOOP = INPUT_SECONDS / SEG
const log = pino({ level: 'silent' })

t.test('two workers started apart line up on MSN, PDT, timestamps and frames; a killed ffmpeg is restarted in step', { timeout: 180_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'worker-epoch-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'in.mp4')
  await makeCounterInput(input, INPUT_SECONDS)

  const common = { INPUT_STREAM_PATH: input, LIVE_SIGNAL_NAME: 'live01', VIDEO_PRESET: 'ultrafast', SEGMENT_DURATION: String(SEG), HLS_LIST_SIZE: '6' }
  const portA = await freePort()
  const a = new WorkerService(loadWorkerConfig({
    ...common, OUTPUT_STREAM_PATH: join(dir, 'a'), LADDER: '360p:640x360:600,240p:426x240:300', WORKER_METRICS_PORT: String(portA)
  }), log)
  t.teardown(async () => { await a.close() })
  await a.start()
  t.ok(a.ffmpegPid, 'worker A runs ffmpeg')

  await new Promise((resolve) => setTimeout(resolve, 3500))
  // a one-rung ladder: B's playlist.m3u8 is the media playlist itself, segments beside it. B does
  // not catch up: killed at the end, it is the control that leaves a hole
  const b = new WorkerService(loadWorkerConfig({
    ...common, OUTPUT_STREAM_PATH: join(dir, 'b'), LADDER: '240p:426x240:300', WORKER_METRICS_PORT: '0', WORKER_CATCH_UP: 'false'
  }), log)
  t.teardown(async () => { await b.close() })
  await b.start()

  const aPlaylist = join(dir, 'a', 'live01', '240p', 'playlist.m3u8')
  const bPlaylist = join(dir, 'b', 'live01', 'playlist.m3u8')
  const segA = (msn: number): string => join(dir, 'a', 'live01', '240p', `${msn}.ts`)
  const segB = (msn: number): string => join(dir, 'b', 'live01', `${msn}.ts`)
  const [pa, pb, shared] = await waitFor('four segments listed by both workers', async () => {
    const pa = await readMediaPlaylist(aPlaylist)
    const pb = await readMediaPlaylist(bPlaylist)
    if (pa === undefined || pb === undefined) return undefined
    const shared = pa.segments.filter((s) => pb.segments.some((o) => o.msn === s.msn))
    return shared.length >= SEGMENTS_PER_LOOP ? [pa, pb, shared] as [MediaPlaylist, MediaPlaylist, ListedSegment[]] : undefined
  }, { timeoutMs: 60_000 })

  t.equal(pa.targetDuration, SEG)
  t.equal(pb.targetDuration, SEG)
  let maxPdtDelta = 0
  for (const s of shared) {
    const other = pb.segments.find((o) => o.msn === s.msn)!
    t.equal(other.uri, `${s.msn}.ts`, 'same segment name in both')
    maxPdtDelta = Math.max(maxPdtDelta, Math.abs(other.pdtMs - s.pdtMs))
    t.equal(s.pdtMs, s.msn * SEG * 1000, 'PDT is msn x SEG since the epoch')
  }
  t.ok(maxPdtDelta <= 50, `PDT delta ${maxPdtDelta} ms <= 50 ms`)
  t.comment(`common MSNs ${shared.map((s) => s.msn).join(',')} (msn mod ${SEGMENTS_PER_LOOP}: ${shared.map((s) => s.msn % SEGMENTS_PER_LOOP).join(',')}), max PDT delta ${maxPdtDelta} ms`)
  t.ok(shared.some((s) => s.msn % SEGMENTS_PER_LOOP === 0), 'a loop start is among the compared segments')

  // every shared segment, the first of B's run included: same timestamps, same picture, same sound,
  // and the picture is the input's frame (msn mod N) x SEG x fps, a function of the MSN alone
  const wrap = 2 ** 33 / 90_000
  for (const { msn } of shared) {
    const streamsA = await ffprobeStreams(segA(msn))
    const streamsB = await ffprobeStreams(segB(msn))
    for (const streams of [streamsA, streamsB]) {
      const video = streams.find((s) => s.codec_type === 'video')
      t.equal(video?.codec_name, 'h264')
      t.equal(video?.width, 426)
      t.equal(video?.height, 240)
      t.equal(streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac')
    }
    const startOf = (streams: typeof streamsA): number => Number(streams.find((s) => s.codec_type === 'video')?.start_time)
    const startDelta = Math.abs(startOf(streamsA) - startOf(streamsB))
    t.ok(startDelta <= 1 / FPS + 1e-6, `msn ${msn}: video start_time delta ${startDelta.toFixed(6)} s within one frame`)
    // audio frames sit on the epoch's 1024-sample grid: both workers cut the same AAC packets
    const audioFrom = async (file: string): Promise<number[]> => {
      const videoStart = Math.min(...await packetPts(file, 'v'))
      return (await packetPts(file, 'a')).filter((p) => p >= videoStart)
    }
    const audioA = await audioFrom(segA(msn))
    const audioB = await audioFrom(segB(msn))
    t.same(audioA, audioB, `msn ${msn}: the same ${audioA.length} audio packet timestamps in A and B`)

    const want = (msn % SEGMENTS_PER_LOOP) * SEG * FPS
    const frameA = await frameNumberOf(segA(msn))
    const frameB = await frameNumberOf(segB(msn))
    t.equal(frameA, want, `msn ${msn}: A opens on input frame ${want}`)
    t.equal(frameB, want, `msn ${msn}: B opens on input frame ${want}`)
    const loopStart = msn % SEGMENTS_PER_LOOP === 0
    const peakA = await audioPeakDb(segA(msn), 0.08)
    const peakB = await audioPeakDb(segB(msn), 0.08)
    t.equal(peakA > -20, loopStart, `msn ${msn}: A ${loopStart ? 'beeps' : 'is silent'} at the segment start (${peakA} dB)`)
    t.equal(peakB > -20, loopStart, `msn ${msn}: B ${loopStart ? 'beeps' : 'is silent'} at the segment start (${peakB} dB)`)

    const same = await firstFramePsnr(segA(msn), segB(msn), 0)
    const next = await firstFramePsnr(segA(msn), segB(msn), 1)
    t.comment(`msn ${msn}: frames A ${frameA} B ${frameB} (want ${want}); start_time A ${startOf(streamsA)} B ${startOf(streamsB)} (epoch ${(msn * SEG) % wrap}); ${audioA.length} audio packets equal; PSNR A/B ${same.toFixed(2)} dB, A/B's next ${next.toFixed(2)} dB`)
    t.ok(same > next + 3, `msn ${msn}: A and B show the same frame (PSNR)`)
  }

  // kill A's ffmpeg: the supervisor restarts it on the next boundary, numbering continues on the
  // epoch grid and the new run, seeked to a new offset, shows what B shows; a catch-up run
  // re-encodes the segments the dead run lost, which show what B shows too
  const oldPid = a.ffmpegPid!
  // mid-segment, well after the last segment was published (~0.3 s after its end): what the
  // playlist lists now is what the worker had published at the kill
  await new Promise((resolve) => setTimeout(resolve, (1000 - (Date.now() % (SEG * 1000)) + SEG * 1000) % (SEG * 1000)))
  const before = await readMediaPlaylist(aPlaylist)
  const lastBefore = before!.segments[before!.segments.length - 1]!.msn
  const killedAt = Date.now()
  process.kill(oldPid, 'SIGKILL')
  const firstAfter = Math.floor(killedAt / (SEG * 1000)) + 1
  const after = await waitFor('A restarted and publishing new segments', async () => {
    const p = await readMediaPlaylist(aPlaylist)
    return p !== undefined && p.segments.some((s) => s.msn === firstAfter) && a.ffmpegPid !== undefined && a.ffmpegPid !== oldPid ? p : undefined
  }, { timeoutMs: 40_000 })
  const caughtUp = after.segments.filter((s) => s.msn > lastBefore && s.msn < firstAfter).map((s) => s.msn)
  t.same(caughtUp, Array.from({ length: firstAfter - lastBefore - 1 }, (_, i) => lastBefore + 1 + i), `A lists every MSN between its last before the kill (${lastBefore}) and the restarted run's first (${firstAfter}): caught up ${caughtUp.join(',')}`)
  t.ok(caughtUp.length >= 1, 'the kill lost at least the segment being written')
  t.equal(after.segments.find((s) => s.msn === firstAfter)?.pdtMs, firstAfter * SEG * 1000)
  t.comment(`restart: last MSN before ${lastBefore}, caught up ${caughtUp.join(',')}, restarted on ${firstAfter}, ${(firstAfter * SEG * 1000 - killedAt)} ms after the kill`)
  for (const msn of caughtUp) {
    await waitFor(`B lists MSN ${msn}`, async () => (await readMediaPlaylist(bPlaylist))?.segments.some((s) => s.msn === msn), { timeoutMs: 20_000 })
    const want = (msn % SEGMENTS_PER_LOOP) * SEG * FPS
    t.equal(await frameNumberOf(segA(msn)), want, `caught-up msn ${msn} opens on input frame ${want}`)
    const videoStart = async (file: string): Promise<number> => Math.min(...await packetPts(file, 'v'))
    t.ok(Math.abs(await videoStart(segA(msn)) - await videoStart(segB(msn))) <= 1 / FPS + 1e-6, `caught-up msn ${msn}: video starts where B's does`)
    const audioFrom = async (file: string): Promise<number[]> => {
      const start = await videoStart(file)
      return (await packetPts(file, 'a')).filter((p) => p >= start)
    }
    t.same(await audioFrom(segA(msn)), await audioFrom(segB(msn)), `caught-up msn ${msn}: the same audio packet timestamps as B`)
  }
  await waitFor(`B lists MSN ${firstAfter}`, async () => (await readMediaPlaylist(bPlaylist))?.segments.some((s) => s.msn === firstAfter), { timeoutMs: 20_000 })
  const restartWant = (firstAfter % SEGMENTS_PER_LOOP) * SEG * FPS
  const restartA = await frameNumberOf(segA(firstAfter))
  const restartB = await frameNumberOf(segB(firstAfter))
  const restartSame = await firstFramePsnr(segA(firstAfter), segB(firstAfter), 0)
  const restartNext = await firstFramePsnr(segA(firstAfter), segB(firstAfter), 1)
  t.comment(`restarted run, msn ${firstAfter}: frames A ${restartA} B ${restartB} (want ${restartWant}); PSNR A/B ${restartSame.toFixed(2)} dB, A/B's next ${restartNext.toFixed(2)} dB`)
  t.equal(restartA, restartWant, 'the restarted run opens on the frame its MSN names')
  t.equal(restartB, restartWant)
  t.ok(restartSame > restartNext + 3, 'the restarted run shows the frame B shows (PSNR)')

  const metrics = await (await fetch(`http://127.0.0.1:${portA}/metrics`)).text()
  t.match(metrics, /worker_ffmpeg_restarts_total\{signal="[A-Za-z0-9_-]+",service="worker"\} 1\n/)
  t.match(metrics, new RegExp(`worker_lost_segments_total\\{signal="live01",outcome="caught_up",service="worker"\\} ${caughtUp.length}\n`))

  // the control: B, which does not catch up, killed the same way leaves a hole that A fills
  const bPid = b.ffmpegPid!
  const bLast = (await readMediaPlaylist(bPlaylist))!.segments.at(-1)!.msn
  const bKilledAt = Date.now()
  process.kill(bPid, 'SIGKILL')
  const bRestart = Math.floor(bKilledAt / (SEG * 1000)) + 1
  const bAfter = await waitFor('B restarted and publishing', async () => {
    const p = await readMediaPlaylist(bPlaylist)
    return p?.segments.some((s) => s.msn === bRestart) === true ? p : undefined
  }, { timeoutMs: 40_000 })
  const hole = Array.from({ length: bRestart - bLast - 1 }, (_, i) => bLast + 1 + i)
  t.ok(hole.length >= 1 && hole.every((msn) => !bAfter.segments.some((s) => s.msn === msn)), `control: B lost ${hole.join(',')} and lists no segment for it`)
  const aNow = await waitFor(`A lists MSN ${bRestart}`, async () => {
    const p = await readMediaPlaylist(aPlaylist)
    return p?.segments.some((s) => s.msn === bRestart) === true ? p : undefined
  }, { timeoutMs: 20_000 })
  t.ok(hole.every((msn) => aNow.segments.some((s) => s.msn === msn)), 'while A, not killed, lists it')
  t.match(metrics, /worker_last_segment_msn\{signal="[A-Za-z0-9_-]+",rendition="240p",service="worker"\} \d{6,}/)
  t.match(metrics, /worker_encoder_speed\{signal="[A-Za-z0-9_-]+",service="worker"\} \d/)

  const pids = [a.ffmpegPid!]
  await a.close()
  await a.close()
  await b.close()
  for (const pid of pids) t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `ffmpeg ${pid} is gone after close`)
})
