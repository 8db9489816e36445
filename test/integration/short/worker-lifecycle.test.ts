import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { childEnv } from '../../support/child-env.js'
import { compiledServiceArgs } from '../../support/compiled-services.js'
import { makeInput, readMediaPlaylist } from '../../support/worker-test-helpers.js'
import { waitFor } from '../../support/wait-for.js'

interface Run { readonly child: ChildProcess, readonly output: () => string, readonly exited: Promise<{ code: number | null, signal: NodeJS.Signals | null }> }

const children: number[] = []
t.teardown(() => {
  for (const pid of children) {
    try { process.kill(pid, 'SIGKILL') } catch {}
  }
})

/** Runs cmd/worker/main.ts as its own process, as `make run-local-worker` would. */
async function runWorker (env: Record<string, string>): Promise<Run> {
  const child = spawn(process.execPath, await compiledServiceArgs('cmd/worker/main.ts'), {
    env: childEnv({ LOG_PRETTY: 'false', WORKER_METRICS_PORT: '0', ...env }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  if (child.pid !== undefined) children.push(child.pid)
  let output = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => { output += d })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => { output += d })
  const exited = new Promise<{ code: number | null, signal: NodeJS.Signals | null }>((resolve) => {
    // 'close', not 'exit': after 'exit' the last lines may still be in the pipes
    child.once('close', (code, signal) => { resolve({ code, signal }) })
  })
  return { child, output: () => output, exited }
}

function alive (pid: number): boolean {
  try {
    process.kill(pid, 0)
  } catch {
    return false
  }
  // an exited child of a dead parent may linger as a zombie until something reaps it
  let stat = ''
  try { stat = readFileSync(`/proc/${pid}/stat`, 'utf8') } catch {}
  return !/^\d+ \(.*\) Z /.test(stat)
}

t.test('a missing input stops the worker at start with one clear line', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'worker-life-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const run = await runWorker({ INPUT_STREAM_PATH: join(dir, 'missing.mp4'), OUTPUT_STREAM_PATH: dir })
  const { code } = await run.exited
  t.equal(code, 1)
  const lines = run.output().trim().split('\n')
  const errors = lines.filter((l) => l.includes('WORKER_ERR_INPUT_UNREADABLE'))
  t.equal(errors.length, 1, 'one error line, no crash loop')
  t.match(errors[0], /input '.*missing\.mp4' \(INPUT_STREAM_PATH\) cannot be read: no such file/)
  t.notMatch(run.output(), /ffmpeg started/)
})

t.test('a missing ffmpeg binary stops the worker at start with one clear line', { timeout: 60_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'worker-life-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const run = await runWorker({ FFMPEG_PATH: join(dir, 'no-ffmpeg'), INPUT_STREAM_PATH: join(dir, 'whatever.mp4'), OUTPUT_STREAM_PATH: dir })
  const { code } = await run.exited
  t.equal(code, 1)
  const errors = run.output().trim().split('\n').filter((l) => l.includes('WORKER_ERR_FFMPEG_MISSING'))
  t.equal(errors.length, 1)
  t.match(errors[0], /ffmpeg not found or not executable at '.*no-ffmpeg': install it or set FFMPEG_PATH/)
})

t.test('a bad setting stops the worker with one line naming the variable', { timeout: 60_000 }, async (t) => {
  const run = await runWorker({ LADDER: '720p:1280x720' })
  const { code } = await run.exited
  t.equal(code, 2)
  t.match(run.output(), /^worker: invalid configuration: LADDER: '720p:1280x720' is not name:WIDTHxHEIGHT:videoKbps/)
})

t.test('SIGTERM stops ffmpeg cleanly; an ffmpeg left by a SIGKILLed worker is killed by the next one', { timeout: 120_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'worker-life-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const input = join(dir, 'in.mp4')
  await makeInput(input, 10, '426x240')
  const env = { INPUT_STREAM_PATH: input, OUTPUT_STREAM_PATH: join(dir, 'out'), LADDER: '240p:426x240:300', VIDEO_PRESET: 'ultrafast' }
  const pidFile = join(dir, 'out', 'live01', '.ffmpeg.pid')
  const playlist = join(dir, 'out', 'live01', 'playlist.m3u8')

  // first worker: SIGKILLed, so it cannot stop its ffmpeg
  const first = await runWorker(env)
  const orphan = await waitFor('first ffmpeg', async () => {
    const pid = Number((await readFile(pidFile, 'utf8')).trim())
    return pid > 0 ? pid : undefined
  }, { timeoutMs: 30_000 })
  children.push(orphan)
  first.child.kill('SIGKILL')
  await first.exited
  t.ok(alive(orphan), 'ffmpeg outlives a SIGKILLed worker')

  const second = await runWorker(env)
  const ffmpeg = await waitFor('second ffmpeg', async () => {
    const pid = Number((await readFile(pidFile, 'utf8')).trim())
    return pid > 0 && pid !== orphan ? pid : undefined
  }, { timeoutMs: 30_000 })
  children.push(ffmpeg)
  t.notOk(alive(orphan), 'the leftover ffmpeg was killed before the new one started')
  await waitFor('a published playlist', async () => ((await readMediaPlaylist(playlist))?.segments.length ?? 0) >= 1 ? true : undefined, { timeoutMs: 30_000 })

  second.child.kill('SIGTERM')
  const { code } = await second.exited
  t.equal(code, 0, 'clean exit on SIGTERM')
  t.notOk(alive(ffmpeg), 'ffmpeg stopped with the worker')
  t.match(second.output(), /"msg":"ffmpeg stopped"/)
  t.notMatch(second.output(), /ffmpeg died/, 'its own SIGTERM is not reported as a crash')
  t.notMatch(await readFile(playlist, 'utf8'), /ENDLIST/, 'the public playlist never gets ENDLIST')
  await t.rejects(readFile(pidFile), { code: 'ENOENT' }, 'PID file removed')
})
