import t from 'tap'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { loadWorkerConfig } from '../../internal/worker/worker-config.js'
import { WorkerService } from '../../internal/worker/worker-service.js'
import { ffprobeStreams, firstFramePsnr, freePort, makeInput, readMediaPlaylist, type MediaPlaylist } from '../worker/worker-test-helpers.js'
import { waitFor } from '../support/wait-for.js'

const SEG = 2
const log = pino({ level: 'silent' })

t.test('two workers started apart line up on MSN, PDT, timestamps and frames; a killed ffmpeg is restarted', { timeout: 150_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'worker-epoch-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'in.mp4')
  await makeInput(input, 20, '640x360')

  const common = { INPUT_STREAM_PATH: input, LIVE_SIGNAL_NAME: 'live01', VIDEO_PRESET: 'ultrafast', SEGMENT_DURATION: String(SEG), HLS_LIST_SIZE: '6' }
  const portA = await freePort()
  const a = new WorkerService(loadWorkerConfig({
    ...common, OUTPUT_STREAM_PATH: join(dir, 'a'), LADDER: '360p:640x360:600,240p:426x240:300', WORKER_METRICS_PORT: String(portA)
  }), log)
  t.teardown(async () => { await a.close() })
  await a.start()
  t.ok(a.ffmpegPid, 'worker A runs ffmpeg')

  await new Promise((resolve) => setTimeout(resolve, 3500))
  // a one-rung ladder: B's playlist.m3u8 is the media playlist itself, segments beside it
  const b = new WorkerService(loadWorkerConfig({
    ...common, OUTPUT_STREAM_PATH: join(dir, 'b'), LADDER: '240p:426x240:300', WORKER_METRICS_PORT: '0'
  }), log)
  t.teardown(async () => { await b.close() })
  await b.start()

  const aPlaylist = join(dir, 'a', 'live01', '240p', 'playlist.m3u8')
  const bPlaylist = join(dir, 'b', 'live01', 'playlist.m3u8')
  const [pa, pb, common3] = await waitFor('three segments listed by both workers', async () => {
    const pa = await readMediaPlaylist(aPlaylist)
    const pb = await readMediaPlaylist(bPlaylist)
    if (pa === undefined || pb === undefined) return undefined
    const shared = pa.segments.filter((s) => pb.segments.some((o) => o.msn === s.msn))
    return shared.length >= 3 ? [pa, pb, shared] as [MediaPlaylist, MediaPlaylist, typeof shared] : undefined
  }, { timeoutMs: 40_000 })

  t.equal(pa.targetDuration, SEG)
  t.equal(pb.targetDuration, SEG)
  let maxPdtDelta = 0
  for (const s of common3) {
    const other = pb.segments.find((o) => o.msn === s.msn)!
    t.equal(other.uri, `${s.msn}.ts`, 'same segment name in both')
    maxPdtDelta = Math.max(maxPdtDelta, Math.abs(other.pdtMs - s.pdtMs))
    t.equal(s.pdtMs, s.msn * SEG * 1000, 'PDT is msn x SEG since the epoch')
  }
  t.ok(maxPdtDelta <= 50, `PDT delta ${maxPdtDelta} ms <= 50 ms`)
  t.comment(`common MSNs ${common3.map((s) => s.msn).join(',')}, max PDT delta ${maxPdtDelta} ms`)

  // the second common segment: both runs are past their first GOP by then
  const msn = common3[1]!.msn
  const segA = join(dir, 'a', 'live01', '240p', `${msn}.ts`)
  const segB = join(dir, 'b', 'live01', `${msn}.ts`)
  const streamsA = await ffprobeStreams(segA)
  const streamsB = await ffprobeStreams(segB)
  for (const streams of [streamsA, streamsB]) {
    const video = streams.find((s) => s.codec_type === 'video')
    t.equal(video?.codec_name, 'h264')
    t.equal(video?.width, 426)
    t.equal(video?.height, 240)
    t.equal(streams.find((s) => s.codec_type === 'audio')?.codec_name, 'aac')
  }
  const startA = Number(streamsA.find((s) => s.codec_type === 'video')?.start_time)
  const startB = Number(streamsB.find((s) => s.codec_type === 'video')?.start_time)
  const startDelta = Math.abs(startA - startB)
  t.ok(startDelta <= 1 / 30 + 1e-6, `video start_time delta ${startDelta.toFixed(6)} s within one frame`)
  // MPEG-TS timestamps wrap every 2^33 / 90 kHz; the wall clock in the same wrap is msn x SEG
  const wrap = 2 ** 33 / 90_000
  t.comment(`start_time A ${startA} B ${startB}; epoch ${(msn * SEG) % wrap}`)

  // same frame at the same moment: A's and B's first frames match far better than B's next frame
  const same = await firstFramePsnr(segA, segB, 0)
  const next = await firstFramePsnr(segA, segB, 1)
  t.comment(`first-frame PSNR A vs B: ${same.toFixed(2)} dB; A vs B's next frame: ${next.toFixed(2)} dB`)
  t.ok(same > next + 3, 'A and B show the same frame for the same MSN')

  // kill A's ffmpeg: the supervisor restarts it and numbering continues on the epoch grid
  const oldPid = a.ffmpegPid!
  const before = await readMediaPlaylist(aPlaylist)
  const lastBefore = before!.segments[before!.segments.length - 1]!.msn
  const killedAt = Date.now()
  process.kill(oldPid, 'SIGKILL')
  const after = await waitFor('A restarted and publishing new segments', async () => {
    const p = await readMediaPlaylist(aPlaylist)
    return p !== undefined && p.mediaSequence > lastBefore && a.ffmpegPid !== undefined && a.ffmpegPid !== oldPid ? p : undefined
  }, { timeoutMs: 40_000 })
  const firstAfter = after.segments[0]!.msn
  t.ok(firstAfter > lastBefore, `new MSN ${firstAfter} > old ${lastBefore}`)
  t.ok(firstAfter * SEG * 1000 >= killedAt, 'the new run starts on a boundary after the kill')
  t.ok(firstAfter * SEG * 1000 <= killedAt + 500 + SEG * 1000 + 2000, 'on the first boundary after the backoff')
  t.equal(after.segments[0]!.pdtMs, firstAfter * SEG * 1000)
  t.comment(`restart: last MSN before ${lastBefore}, first after ${firstAfter}, ${(firstAfter * SEG * 1000 - killedAt)} ms after the kill`)

  const metrics = await (await fetch(`http://127.0.0.1:${portA}/metrics`)).text()
  t.match(metrics, /worker_ffmpeg_restarts_total\{service="worker"\} 1\n/)
  t.match(metrics, /worker_last_segment_msn\{rendition="240p",service="worker"\} \d{6,}/)
  t.match(metrics, /worker_encoder_speed\{service="worker"\} \d/)

  const pids = [a.ffmpegPid!]
  await a.close()
  await a.close()
  await b.close()
  for (const pid of pids) t.throws(() => process.kill(pid, 0), { code: 'ESRCH' }, `ffmpeg ${pid} is gone after close`)
})
