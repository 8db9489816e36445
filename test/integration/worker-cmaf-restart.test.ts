import t from 'tap'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { DEFAULT_PARSE_LIMITS, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import type { MediaPlaylist } from '../../internal/hls/media-playlist.js'
import { PART_HOLD_BACK_PARTS } from '../../internal/hls/ll-server-control.js'
import { loadWorkerConfig } from '../../internal/worker/worker-config.js'
import { WorkerService } from '../../internal/worker/worker-service.js'
import { makeSampleInput } from '../support/sample-input.js'
import { waitFor } from '../support/wait-for.js'

const SEG_MS = 1000
const PART_MS = 500
/** What a low-latency player keeps in hand: PART-HOLD-BACK. */
const HOLD_BACK_MS = PART_HOLD_BACK_PARTS * PART_MS
const RUNG = '240p'
const log = pino({ level: process.env.TEST_LOG ?? 'silent' })

async function playlistOf (out: string): Promise<MediaPlaylist | undefined> {
  const text = await readFile(join(out, 'live01', RUNG, 'playlist.m3u8'), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const r = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, cmaf: true })
  return r.ok ? r.playlist : undefined
}

/** Polls a worker's playlist and keeps, for every segment and part it ever listed, when it first did. */
function watch (out: string): { segments: Set<number>, partSeenAt: Map<string, number>, stop: () => void } {
  const segments = new Set<number>()
  const partSeenAt = new Map<string, number>()
  const timer = setInterval(() => {
    void playlistOf(out).then((p) => {
      if (p === undefined) return
      const now = Date.now()
      for (const s of p.segments) segments.add(s.msn)
      for (const part of [...p.segments.flatMap((s) => s.parts ?? []), ...(p.trailingParts ?? [])]) {
        if (!partSeenAt.has(part.uri)) partSeenAt.set(part.uri, now)
      }
    })
  }, 50)
  return { segments, partSeenAt, stop: () => { clearInterval(timer) } }
}

function partEndMs (uri: string): number {
  const [msn, index] = uri.split('.').map(Number)
  return (msn ?? 0) * SEG_MS + ((index ?? 0) + 1) * PART_MS
}

t.test('a CMAF worker whose ffmpeg dies goes on without a gap: the new run re-encodes the same bytes, in time after a crash', { timeout: 150_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'worker-cmaf-restart-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'in.mp4')
  await makeSampleInput(input, 8)
  const start = async (name: string, catchUp: boolean): Promise<{ name: string, out: string, worker: WorkerService }> => {
    const out = join(dir, name)
    const worker = new WorkerService(loadWorkerConfig({
      INPUT_STREAM_PATH: input, OUTPUT_STREAM_PATH: out, LIVE_SIGNAL_NAME: 'live01', VIDEO_PRESET: 'ultrafast', SEGMENT_DURATION: '1',
      LADDER: '360p:640x360:600,240p:426x240:300', HLS_LIST_SIZE: '20', WORKER_METRICS_PORT: '0', SEGMENT_FORMAT: 'fmp4', PART_DURATION: '0.5',
      WORKER_CATCH_UP: String(catchUp)
    }), log)
    t.teardown(async () => { await worker.close() })
    await worker.start()
    return { name, out, worker }
  }
  // the reference runs on; "crashed" is SIGKILLed; "hung" and "control" are stopped until the parts
  // they held ran out, then killed: "hung" catches up, "control" may not (WORKER_CATCH_UP=false)
  const reference = await start('reference', true)
  const crashed = await start('crashed', true)
  const hung = await start('hung', true)
  const control = await start('control', false)
  const faulted = [crashed, hung, control]
  const watches = faulted.map((w) => watch(w.out))
  t.teardown(() => { for (const w of watches) w.stop() })
  await waitFor('three segments from each worker', async () => {
    const all = await Promise.all([reference, ...faulted].map(async (w) => await playlistOf(w.out)))
    return all.every((p) => (p?.segments.length ?? 0) >= 3)
  }, { timeoutMs: 60_000 })

  // mid-part, so the dead run leaves a part half cut
  await waitFor('a quarter into a part', () => Date.now() % PART_MS > PART_MS / 4 && Date.now() % PART_MS < PART_MS / 2, { intervalMs: 5 })
  const pids = faulted.map((w) => w.worker.ffmpegPid ?? 0)
  const [crashPid, hungPid, controlPid] = pids as [number, number, number]
  process.kill(hungPid, 'SIGSTOP')
  process.kill(controlPid, 'SIGSTOP')
  const crashedAt = Date.now()
  process.kill(crashPid, 'SIGKILL')
  // a part past the hold-back: the next part, whenever the new run gives it, is later than that
  await waitFor('the hung workers to run out of held parts', () => watches.slice(1).every((w) => Date.now() - newestPartEnd(w) > HOLD_BACK_MS + PART_MS), { timeoutMs: 40_000, intervalMs: 50 })
  const hungKilledAt = Date.now()
  process.kill(hungPid, 'SIGKILL')
  process.kill(controlPid, 'SIGKILL')
  const crashMsn = Math.floor(crashedAt / SEG_MS)
  const hungMsn = Math.floor(hungKilledAt / SEG_MS)
  t.comment(`crash at MSN ${crashMsn}; the hung encoders stopped then, killed at MSN ${hungMsn}`)
  await waitFor('new ffmpegs and four more segments', async () => {
    const lists = await Promise.all(faulted.map(async (w) => await playlistOf(w.out)))
    const moved = faulted.every((w, i) => w.worker.ffmpegPid !== pids[i])
    return moved && lists.every((p) => (p?.segments.at(-1)?.msn ?? 0) >= hungMsn + 4)
  }, { timeoutMs: 30_000 })
  for (const w of watches) w.stop()
  const [afterCrash, afterHang, afterControl] = watches as [Watch, Watch, Watch]

  t.same(gaps(afterCrash), [], 'crash: every MSN listed, no gap')
  t.ok(afterCrash.segments.has(crashMsn), `crash: MSN ${crashMsn}, whose run died in it, is listed`)
  t.same(lateParts(afterCrash, crashedAt), [], 'crash: no part came later than a low-latency player\'s hold-back')
  for (const msn of [crashMsn - 1, crashMsn, crashMsn + 1, crashMsn + 2]) {
    for (const name of [`${msn}.m4s`, `${msn}.0.m4s`, `${msn}.1.m4s`]) {
      const a = await readFile(join(crashed.out, 'live01', RUNG, name))
      const b = await readFile(join(reference.out, 'live01', RUNG, name))
      t.ok(a.equals(b), `crash: ${name} is the reference's (the dead run's parts and the new run's join)`)
    }
  }

  t.same(gaps(afterHang), [], 'hung then killed, with catch-up: every MSN listed, no gap')
  t.ok(lateParts(afterHang, crashedAt).length > 0, 'hung: parts came late (stopped until its held parts ran out): the lateness check can fail')
  const bytes = await readFile(join(hung.out, 'live01', RUNG, `${hungMsn - 1}.m4s`))
  t.ok(bytes.equals(await readFile(join(reference.out, 'live01', RUNG, `${hungMsn - 1}.m4s`))), `hung: the caught-up MSN ${hungMsn - 1} is the reference's`)

  t.not(gaps(afterControl).length, 0, 'control, hung then killed without catch-up: a gap (the gap check can fail)')
  t.ok(afterControl.segments.has(hungMsn + 2), 'control: the stream goes on after it')
})

type Watch = ReturnType<typeof watch>

/** End of the newest part the worker listed. */
function newestPartEnd (w: Watch): number {
  return Math.max(0, ...[...w.partSeenAt.keys()].map(partEndMs))
}

/** MSNs missing between the first and the newest one the worker ever listed. */
function gaps (w: Watch): number[] {
  const listed = [...w.segments].sort((a, b) => a - b)
  const missing: number[] = []
  for (let i = 1; i < listed.length; i++) {
    for (let msn = (listed[i - 1] ?? 0) + 1; msn < (listed[i] ?? 0); msn++) missing.push(msn)
  }
  return missing
}

/** Parts ending after `fromMs` - 1 s that were first listed more than the hold-back after their end. */
function lateParts (w: Watch, fromMs: number): string[] {
  return [...w.partSeenAt]
    .filter(([uri, seen]) => partEndMs(uri) >= fromMs - SEG_MS && seen - partEndMs(uri) > HOLD_BACK_MS)
    .map(([uri, seen]) => `${uri} +${seen - partEndMs(uri)} ms`)
}
