import { spawn } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { request } from 'undici'
import { isProcessRunning } from '../../../internal/edges/process-tools.js'
import { childEnv } from '../../support/child-env.js'
import { freePort } from '../../support/free-port.js'
import { compiledServiceArgs } from '../../support/compiled-services.js'
import { PROJECT_ROOT } from '../../support/project-root.js'
import { ServiceProcess } from '../../support/service-process.js'
import { waitFor } from '../../support/wait-for.js'
import { edgePids, edgesSandbox, fetchVia, killEdgesIn, startFakeOrigin } from '../../support/edges-test-helpers.js'

// each test has its own folder, ports and processes: run them side by side
t.jobs = 3

interface ManagerEdge { id: string, port: number, url: string, state: string, nginxPid: number, watchdogPid: number, adopted: boolean }

async function managerEdges (port: number): Promise<ManagerEdge[]> {
  const response = await request(`http://127.0.0.1:${port}/edges`)
  return await response.body.json() as ManagerEdge[]
}

async function startManager (t: Test, env: Record<string, string>, port: number): Promise<ServiceProcess> {
  const manager = new ServiceProcess({ name: 'edges', entry: 'cmd/edges/main.ts', env: { ...env, EDGES_PORT: String(port) }, healthPort: port })
  t.teardown(async () => { await manager.kill() })
  await manager.start()
  // /healthz can answer before the first round has listed every edge (a compiled manager starts fast
  // enough to show it): the tests below count the edges they kill
  const min = Number(env.EDGES_MIN)
  await waitFor(`${min} edges listed`, async () => (await managerEdges(port)).length >= min, { timeoutMs: 15_000, intervalMs: 50 })
  return manager
}

/** Manager processes the chaos suite will SIGKILL: edges keep serving, a restart adopts them, no restart ends them. */
t.test('manager killed and restarted within the grace: edges keep serving and are adopted', { buffered: true }, async (t) => {
  const origin = await startFakeOrigin(t, 10)
  const { dir, basePort } = await edgesSandbox(t)
  const env = {
    EDGES_BASE_PORT: String(basePort), EDGES_DIR: dir, EDGES_MIN: '2', EDGES_MAX: '3', ORIGIN_URL: origin.url,
    REPORTER_URL: `http://127.0.0.1:${await freePort()}`, EDGE_ORPHAN_GRACE: '8s'
  }
  const port = await freePort()
  const first = await startManager(t, env, port)
  const before = await managerEdges(port)
  t.equal(before.length, 2)
  t.teardown(async () => { await killEdgesIn(dir, before.flatMap((e) => [e.watchdogPid, e.nginxPid]).filter((pid) => isProcessRunning(pid, dir))) })
  t.ok(before.every((e) => !e.adopted))

  await first.kill()
  // the manager's group is gone; its edges live in their own sessions
  for (let i = 0; i < 5; i++) {
    for (const edge of before) t.equal((await fetchVia(edge.url, '/live01/360p/seg-1.ts')).status, 200, `${edge.id} serves without its manager`)
    await new Promise((resolve) => setTimeout(resolve, 400))
  }

  const second = await startManager(t, env, port)
  const after = await managerEdges(port)
  t.same(after.map((e) => e.port), before.map((e) => e.port), 'same ports')
  t.same(after.map((e) => e.nginxPid), before.map((e) => e.nginxPid), 'same nginx masters: not restarted')
  t.ok(after.every((e) => e.adopted), 'adopted')
  const metrics = await (await request(`http://127.0.0.1:${port}/metrics`)).body.text()
  t.match(metrics, /edges_adopted_total\{service="edges"\} 2/)

  // an adopted edge that dies is still noticed and replaced
  const victim = after[0] as ManagerEdge
  process.kill(victim.nginxPid, 'SIGKILL')
  const replaced = await waitFor('adopted edge replaced', async () => {
    const now = (await managerEdges(port)).find((e) => e.port === victim.port)
    return now !== undefined && now.nginxPid !== victim.nginxPid ? now : undefined
  }, { timeoutMs: 15_000, intervalMs: 50 }).catch((err: Error) => { t.comment(second.recentOutput()); throw err })
  t.notOk(replaced.adopted)

  // SIGTERM: the manager stops its nginx processes before it exits
  const running = (await managerEdges(port)).map((e) => e.nginxPid)
  await second.stop(10_000)
  t.same(running.filter((pid) => isProcessRunning(pid, dir)), [], 'no nginx outlives a stopped manager')
})

t.test('manager killed and not restarted: its nginx processes end after the grace', { buffered: true }, async (t) => {
  const origin = await startFakeOrigin(t, 10)
  const { dir, basePort } = await edgesSandbox(t)
  const port = await freePort()
  const manager = await startManager(t, {
    EDGES_BASE_PORT: String(basePort), EDGES_DIR: dir, EDGES_MIN: '2', EDGES_MAX: '2', ORIGIN_URL: origin.url,
    REPORTER_URL: `http://127.0.0.1:${await freePort()}`, EDGE_ORPHAN_GRACE: '3s'
  }, port)
  const edges = await managerEdges(port)
  t.teardown(async () => { await killEdgesIn(dir, edges.flatMap((e) => [e.watchdogPid, e.nginxPid]).filter((pid) => isProcessRunning(pid, dir))) })
  await manager.kill()
  const killedAt = Date.now()
  t.ok(edges.every((e) => isProcessRunning(e.nginxPid, dir)), 'alive right after the kill')
  await waitFor('orphaned nginx gone', () => edges.every((e) => !isProcessRunning(e.nginxPid, dir) && !isProcessRunning(e.watchdogPid, dir)), { timeoutMs: 20_000, intervalMs: 100 })
  t.comment(`orphans gone ${Date.now() - killedAt} ms after the manager was killed (EDGE_ORPHAN_GRACE 3s)`)
  for (const edge of edges) {
    await t.rejects(request(`${edge.url}/_edge/healthz`), `${edge.id} no longer answers`)
  }
  t.ok((await edgePids(dir)).length === 2, 'the records stay for inspection')
  for (const edge of edges) {
    const log = await readFile(join(dir, `edge-${edge.port}`, 'watchdog.log'), 'utf8')
    t.match(log, /manager\.alive is older than 3s, stopping nginx/, `${edge.id}: its watchdog ended it`)
  }
})

async function runMain (env: Record<string, string>): Promise<{ code: number | null, output: string }> {
  const args = await compiledServiceArgs('cmd/edges/main.ts')
  return await new Promise((resolve) => {
    const withoutTapLoaders = childEnv({ LOG_PRETTY: 'false', ...env })
    const child = spawn(process.execPath, args, { cwd: PROJECT_ROOT, env: withoutTapLoaders, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (b: Buffer) => { output += b.toString() })
    child.stderr.on('data', (b: Buffer) => { output += b.toString() })
    const timer = setTimeout(() => { if (child.pid !== undefined) process.kill(child.pid, 'SIGKILL') }, 30_000)
    // 'close', not 'exit': after 'exit' the last lines may still be in the pipes
    child.once('close', (code) => { clearTimeout(timer); resolve({ code, output }) })
  })
}

t.test('a missing nginx binary or a bad variable stops the manager with one clear line', { buffered: true }, async (t) => {
  const { dir, basePort } = await edgesSandbox(t)
  const missing = await runMain({ EDGES_DIR: dir, EDGES_BASE_PORT: String(basePort), EDGES_PORT: '0', NGINX_PATH: '/nonexistent/sbin/nginx' })
  t.equal(missing.code, 2)
  t.equal(missing.output.trim(), "edges: invalid configuration: NGINX_PATH: '/nonexistent/sbin/nginx' is not an executable file; install nginx (Debian: apt-get install nginx-light) or set NGINX_PATH to its binary")

  const bad = await runMain({ EDGES_MIN: '5', EDGES_MAX: '3' })
  t.equal(bad.code, 2)
  t.equal(bad.output.trim(), 'edges: invalid configuration: EDGES_MIN: 5 must not be above EDGES_MAX (3)')
})
