import t from 'tap'
import { pino } from 'pino'
import { FfmpegSupervisor, type FfmpegExit } from '../../../internal/worker/ffmpeg-supervisor.js'
import type { Boundary } from '../../../internal/worker/epoch-clock.js'

const log = pino({ level: 'silent' })
const backoff = { initialMs: 50, maxMs: 200, resetAfterMs: 60_000 }

// /bin/sh stands in for ffmpeg: the script decides how the "encoder" behaves
function supervisor (script: string, hooks: { died?: Array<FfmpegExit & { restartInMs: number }>, spawned?: Boundary[] } = {}, policy = backoff): FfmpegSupervisor {
  return new FfmpegSupervisor({
    ffmpegPath: '/bin/sh',
    segmentSeconds: 1,
    argsFor: () => ['-c', script],
    log,
    backoff: policy,
    stopTimeoutMs: 2000,
    onDied: (exit) => hooks.died?.push(exit),
    onSpawn: ({ boundary }) => hooks.spawned?.push(boundary)
  })
}

t.test('each run starts on an epoch boundary', async (t) => {
  const spawned: Boundary[] = []
  const s = supervisor('exec sleep 30', { spawned })
  t.teardown(async () => { await s.close() })
  await s.start()
  const at = Date.now()
  t.equal(spawned.length, 1)
  t.equal(spawned[0]!.t0Ms % 1000, 0)
  t.ok(at >= spawned[0]!.t0Ms, 'not spawned before its boundary')
  t.ok(s.pid !== undefined)
})

t.test('a dying encoder is restarted with doubling backoff, with its last stderr lines', { timeout: 30_000 }, async (t) => {
  const died: Array<FfmpegExit & { restartInMs: number }> = []
  const spawned: Boundary[] = []
  const s = supervisor('echo "boom: input gone" >&2; exit 3', { died, spawned })
  t.teardown(async () => { await s.close() })
  await s.start()
  const deadline = Date.now() + 20_000
  while (died.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.same(died.slice(0, 3).map((d) => d.restartInMs), [50, 100, 200])
  t.equal(died[0]!.code, 3)
  t.same(died[0]!.lastStderr, ['boom: input gone'])
  // every restart waits for a fresh boundary: numbering only moves forward
  for (let i = 1; i < spawned.length; i++) t.ok(spawned[i]!.msn > spawned[i - 1]!.msn)
})

t.test('a death after a healthy run restarts on the very next boundary: no backoff on top, so no second MSN is lost', { timeout: 30_000 }, async (t) => {
  const died: Array<FfmpegExit & { restartInMs: number }> = []
  const spawned: Boundary[] = []
  // runs of 3.3 s are three segments long, so healthy, though the policy resets only after a minute;
  // a 0.9 s backoff after the death (0.3 s into a segment) would miss the next boundary
  const s = supervisor('sleep 3.3; exit 1', { died, spawned }, { initialMs: 900, maxMs: 900, resetAfterMs: 60_000 })
  t.teardown(async () => { await s.close() })
  await s.start()
  const deadline = Date.now() + 20_000
  while (spawned.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.same(died.slice(0, 2).map((d) => d.restartInMs), [0, 0])
  t.same(spawned.slice(1, 3).map((b, i) => b.msn - (spawned[i]?.msn ?? 0)), [4, 4], 'each run started four boundaries after the last: the one after its death')
})

t.test('close stops the encoder, is idempotent, and its own kill is not a death', async (t) => {
  const died: Array<FfmpegExit & { restartInMs: number }> = []
  const s = supervisor('trap "exit 0" TERM; while true; do sleep 0.1; done', { died })
  await s.start()
  const pid = s.pid!
  await Promise.all([s.close(), s.close()])
  await s.close()
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' })
  t.same(died, [])
  t.equal(s.pid, undefined)
})

t.test('an encoder that ignores SIGTERM is SIGKILLed after the stop timeout', { timeout: 20_000 }, async (t) => {
  const s = supervisor('trap "" TERM; while true; do sleep 0.1; done')
  await s.start()
  const pid = s.pid!
  await new Promise((r) => setTimeout(r, 200))
  await s.close()
  t.throws(() => process.kill(pid, 0), { code: 'ESRCH' })
})

t.test('a binary that cannot be spawned fails start with one coded error', async (t) => {
  const s = new FfmpegSupervisor({ ffmpegPath: '/nonexistent/ffmpeg', segmentSeconds: 1, argsFor: () => [], log, backoff })
  t.teardown(async () => { await s.close() })
  await t.rejects(s.start(), { code: 'WORKER_ERR_FFMPEG_MISSING', message: /ffmpeg not found or not executable at '\/nonexistent\/ffmpeg': install it or set FFMPEG_PATH/ })
})

t.test('with planRun, a run is spawned at once on the boundary it plans, also one in the past', { timeout: 20_000 }, async (t) => {
  const spawned: Boundary[] = []
  const planned: number[] = []
  const past = { msn: 7, t0Ms: 7000 }
  const s = new FfmpegSupervisor({
    ffmpegPath: '/bin/sh',
    segmentSeconds: 1,
    argsFor: () => ['-c', 'sleep 0.2; exit 1'],
    log,
    backoff,
    planRun: (nowMs) => { planned.push(nowMs); return past },
    onRestartPlanned: () => { t.fail('planRun replaces the boundary wait') },
    onSpawn: ({ boundary }) => spawned.push(boundary)
  })
  t.teardown(async () => { await s.close() })
  const before = Date.now()
  await s.start()
  t.ok(Date.now() - before < 900, 'no wait for the next boundary')
  const deadline = Date.now() + 10_000
  while (spawned.length < 2 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20))
  t.same(spawned.slice(0, 2), [past, past], 'the first run and the restart use the planned boundary')
  t.ok(planned.length >= 2, 'the plan is asked again for the restart, after the backoff')
})

t.test('after finishRun the running encoder goes on to its own end and none other starts', { timeout: 20_000 }, async (t) => {
  const died: Array<FfmpegExit & { restartInMs: number }> = []
  const spawned: Boundary[] = []
  const controlSpawned: Boundary[] = []
  const s = supervisor('sleep 0.5; exit 0', { died, spawned })
  // the control runs the same script beside it without finishRun: it is restarted
  const control = supervisor('sleep 0.5; exit 0', { spawned: controlSpawned })
  t.teardown(async () => { await Promise.all([s.close(), control.close()]) })
  await Promise.all([s.start(), control.start()])
  const pid = s.pid!
  s.finishRun()
  t.doesNotThrow(() => process.kill(pid, 0), 'finishRun leaves the running encoder alone')
  const deadline = Date.now() + 10_000
  while (controlSpawned.length < 3 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50))
  t.equal(controlSpawned.length, 3, 'control: without finishRun the same run is restarted, twice by now')
  t.equal(s.pid, undefined, 'it ended by itself')
  t.same([spawned.length, died.length], [1, 0], 'no restart, and its end is no death')
})
