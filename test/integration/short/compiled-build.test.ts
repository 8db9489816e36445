import t from 'tap'
import { execFile, spawn } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { PassThrough } from 'node:stream'
import { promisify } from 'node:util'
import { ProcessGroup } from '../../../internal/local/process-group.js'
import { serviceEntry } from '../../../internal/local/local-components.js'
import { childEnv } from '../../support/child-env.js'
import { PROJECT_ROOT } from '../../support/project-root.js'
import { freePort } from '../../support/free-port.js'
import { waitFor } from '../../support/wait-for.js'

// Production runs what `make build` compiles (build/cmd/<x>/main.js) with plain node, no tsx:
// this builds it the way `make run-local` does and starts one compiled service.

const run = promisify(execFile)
const root = PROJECT_ROOT
const SERVICES = ['reporter', 'packager', 'worker', 'discovery', 'origin', 'edges', 'local', 'sign-url']

function compiledFiles (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name)
    if (entry.isDirectory()) return compiledFiles(full)
    return entry.name.endsWith('.js') ? [full] : []
  })
}

t.test('make build compiles every entrypoint into build/, and a second make build has nothing to do', async (t) => {
  await run('make', ['--no-print-directory', 'build'], { cwd: root, timeout: 240_000 })
  for (const service of SERVICES) t.ok(existsSync(path.join(root, 'build/cmd', service, 'main.js')), `build/cmd/${service}/main.js`)
  t.notOk(existsSync(path.join(root, 'build/test')), 'tests are not compiled')
  // make -q: exit 0 when the target is up to date, without running anything
  const again = await run('make', ['-q', 'build'], { cwd: root }).then(() => 0, (err: { code?: number }) => err.code ?? 1)
  t.equal(again, 0, 'up to date: no rebuild when nothing changed')
})

t.test('every asset compiled code resolves from its own location exists under build/', async (t) => {
  let checked = 0
  for (const file of compiledFiles(path.join(root, 'build/internal'))) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(/new URL\('((?:\.\.\/)+assets\/[^']*)', import\.meta\.url\)/g)) {
      const target = fileURLToPath(new URL(m[1] ?? '', pathToFileURL(file)))
      t.ok(existsSync(target), `${path.relative(root, file)}: ${m[1] ?? ''} resolves to ${path.relative(root, target)}`)
      checked++
    }
  }
  t.ok(checked >= 2, `${checked} asset references (nginx template, status page) checked`)
})

t.test('node build/cmd/reporter/main.js answers /healthz on a free port, then stops on SIGTERM', async (t) => {
  const port = await freePort()
  const env = childEnv({ HOST: '127.0.0.1', REPORTER_PORT: String(port), LOG_PRETTY: '0' })
  const child = spawn(process.execPath, ['build/cmd/reporter/main.js'], { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] })
  let output = ''
  child.stdout.on('data', (chunk: Buffer) => { output += chunk.toString() })
  child.stderr.on('data', (chunk: Buffer) => { output += chunk.toString() })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  t.teardown(() => { if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL') })
  await waitFor(`compiled reporter /healthz on port ${port}`, async () => {
    if (child.exitCode !== null) throw new Error(`reporter exited: ${output}`)
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)
    return res?.status === 200
  }, { timeoutMs: 30_000 })
  t.pass('healthy')
  t.match(output, /started with listener/, 'logged its start')
  child.kill('SIGTERM')
  t.equal(await exited, 0, 'exited cleanly on SIGTERM')
})

t.test('run-local\'s process group starts a compiled component with plain node, no tsx loader', async (t) => {
  const port = await freePort()
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk: Buffer) => { text += chunk.toString() })
  const env = childEnv({ HOST: '127.0.0.1', LOG_PRETTY: '0' })
  const group = new ProcessGroup([{ name: 'reporter', ...serviceEntry('reporter', 'compiled'), env: { REPORTER_PORT: String(port) } }], { cwd: root, env, out, color: false })
  t.teardown(async () => { await group.close() })
  group.start()
  await waitFor(`compiled reporter in the group on port ${port}`, async () => {
    const res = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined)
    return res?.status === 200
  }, { timeoutMs: 30_000 })
  const [pid] = group.pids
  t.ok(pid !== undefined, 'running')
  const argv = readFileSync(`/proc/${pid ?? 0}/cmdline`, 'utf8').split('\0').filter((a) => a !== '')
  t.same(argv.slice(1), ['build/cmd/reporter/main.js'], `argv: ${argv.join(' ')}`)
  await group.close()
  t.same(group.pids, [], 'stopped')
  t.match(text, /reporter \| .*started with listener/, 'its log line came through the group')
})
