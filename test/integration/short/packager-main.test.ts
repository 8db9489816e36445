import { spawn, type ChildProcess } from 'node:child_process'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { childEnv } from '../../support/child-env.js'
import { compiledServiceArgs } from '../../support/compiled-services.js'
import { freePort } from '../../support/free-port.js'
import { PROJECT_ROOT } from '../../support/project-root.js'


async function startMain (env: Record<string, string>): Promise<{ child: ChildProcess, output: () => string, exited: Promise<number | null> }> {
  const child = spawn(process.execPath, await compiledServiceArgs('cmd/packager/main.ts'), {
    cwd: PROJECT_ROOT,
    env: childEnv({ LOG_PRETTY: 'false', NODE_NO_WARNINGS: '1', ...env }),
    stdio: ['ignore', 'pipe', 'pipe']
  })
  let output = ''
  child.stdout?.setEncoding('utf8').on('data', (s: string) => { output += s })
  child.stderr?.setEncoding('utf8').on('data', (s: string) => { output += s })
  // 'close', not 'exit': after 'exit' the last lines may still be in the pipes
  const exited = new Promise<number | null>((resolve) => child.once('close', (code) => { resolve(code) }))
  return { child, output: () => output, exited }
}

function killOnTeardown (t: { teardown: (fn: () => unknown) => void }, child: ChildProcess): void {
  t.teardown(() => {
    if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) process.kill(child.pid, 'SIGKILL')
  })
}

t.test('a malformed variable stops the process with one line naming it', async (t) => {
  for (const [env, variable] of [[{ PACKAGER_NAME: 'server9' }, 'PACKAGER_NAME'], [{ PACKAGER_PORT: 'eighty' }, 'PACKAGER_PORT']] as const) {
    const run = await startMain(env)
    killOnTeardown(t, run.child)
    t.equal(await run.exited, 2, variable)
    t.match(run.output(), new RegExp(`packager: invalid configuration: ${variable}: `))
  }
})

t.test('the real entrypoint serves the root and stops cleanly on SIGTERM', async (t) => {
  const dir = await mkdtemp(path.join(tmpdir(), 'packager-main-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  await mkdir(path.join(dir, 'live01'), { recursive: true })
  await writeFile(path.join(dir, 'live01', 'playlist.m3u8'), '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\nseg_1.ts\n')
  await writeFile(path.join(dir, 'live01', 'seg_1.ts'), 'segment-one')
  const port = await freePort()
  const run = await startMain({ PACKAGER_NAME: 'server2', SERVER_TWO_PORT: String(port), OUTPUT_STREAM_PATH: dir, LOG_LEVEL: 'info' })
  killOnTeardown(t, run.child)
  const base = `http://127.0.0.1:${port}`
  let up = false
  for (let i = 0; i < 300 && !up && run.child.exitCode === null; i++) {
    up = await fetch(`${base}/healthcheck`).then(async (r) => { await r.text(); return r.status === 200 }, () => false)
    if (!up) await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.ok(up, 'healthcheck answers 200')
  const seg = await fetch(`${base}/live01/seg_1.ts`)
  t.equal(await seg.text(), 'segment-one')
  t.match(run.output(), /packager started with listener on/)
  t.match(run.output(), /"packager":"server2"/)
  if (run.child.pid !== undefined) process.kill(run.child.pid, 'SIGTERM')
  t.equal(await run.exited, 0, 'exit 0 after SIGTERM')
  t.match(run.output(), /"msg":"stopped"/)
})
