import t from 'tap'
import { chmodSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ChildSupervisor, type ChildEvents, type ChildExit, type ChildSupervisorOptions } from '../../../internal/process/child-supervisor.js'
import { isProcessAlive } from '../../../internal/edges/process-tools.js'
import { waitFor } from '../../support/wait-for.js'

// real tiny children: /bin/sh scripts stand in for ffmpeg and nginx
function sh (script: string, options: Partial<ChildSupervisorOptions> = {}): ChildSupervisor {
  return new ChildSupervisor({ file: '/bin/sh', args: ['-c', script], ...options })
}

/** Every event a supervisor tells, in order. */
function record (child: ChildSupervisor): Array<{ event: keyof ChildEvents, data: unknown }> {
  const seen: Array<{ event: keyof ChildEvents, data: unknown }> = []
  for (const event of ['spawned', 'failed', 'died', 'exited', 'error'] as const) child.on(event, (data) => seen.push({ event, data }))
  return seen
}

/** The process group of `pid` (/proc/<pid>/stat field 5, after the parenthesised command name). */
const groupOf = (pid: number): number => Number(readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[2])

const names = (seen: Array<{ event: string }>): string[] => seen.map((s) => s.event)

t.test('a binary that is not there is a failure to start: start rejects with ENOENT, no death, no exit', async (t) => {
  const child = new ChildSupervisor({ file: '/nonexistent/ffmpeg', args: [] })
  const seen = record(child)
  await t.rejects(child.start(), { code: 'ENOENT' })
  t.same(names(seen), ['failed'])
  t.equal((seen[0]!.data as ChildEvents['failed']).error?.code, 'ENOENT')
  t.equal(child.pid, undefined)
  t.equal(child.running, false)
  await child.close()
  t.ok(await child.waitForExit(10), 'there is nothing to wait for')
})

t.test('a file that is not executable is a failure to start with EACCES', async (t) => {
  const dir = t.testdir({})
  const file = join(dir, 'not-executable')
  writeFileSync(file, '#!/bin/sh\nexit 0\n')
  chmodSync(file, 0o644)
  const child = new ChildSupervisor({ file, args: [] })
  const seen = record(child)
  await t.rejects(child.start(), { code: 'EACCES' })
  t.same(names(seen), ['failed'])
})

t.test('an exit before the caller marked it ready is a failure to start, not a death', async (t) => {
  const child = sh('echo "nginx: [emerg] bad config" >&2; exit 1', { readyOnSpawn: false })
  const seen = record(child)
  const lines: string[] = []
  child.on('line', ({ stream, line }) => lines.push(`${stream}: ${line}`))
  await child.start()
  t.ok(await child.waitForExit(20_000))
  t.same(names(seen), ['spawned', 'failed', 'exited'])
  t.equal((seen[1]!.data as ChildEvents['failed']).exit?.code, 1)
  t.equal((seen[1]!.data as ChildEvents['failed']).error, undefined)
  await waitFor('its stderr line', () => lines.includes('stderr: nginx: [emerg] bad config'), { timeoutMs: 10_000, intervalMs: 20 })
})

t.test('an exit after it was ready is a death, told once with its code, then the exit', async (t) => {
  const child = sh('echo started; sleep 0.2; exit 7')
  const seen = record(child)
  const pid = await child.start()
  t.equal(child.pid, pid)
  t.ok(child.running)
  t.ok(await child.waitForExit(20_000))
  t.same(names(seen), ['spawned', 'died', 'exited'])
  const died = seen[1]!.data as ChildExit
  t.equal(died.code, 7)
  t.equal(died.signal, null)
  t.equal(died.pid, pid)
  t.ok(died.runMs >= 0)
  t.same(seen[2]!.data, died)
  t.equal(child.pid, undefined)
  t.same(child.exit, died)
})

t.test('a death by a signal from someone else is a death; without its own group it shares ours', async (t) => {
  const child = sh('while true; do sleep 0.1; done')
  const seen = record(child)
  const pid = await child.start()
  t.equal(groupOf(pid), groupOf(process.pid), 'a Ctrl-C to our group reaches it (ffmpeg, run-local)')
  process.kill(pid, 'SIGKILL')
  t.ok(await child.waitForExit(20_000))
  t.same(names(seen), ['spawned', 'died', 'exited'])
  t.equal((seen[1]!.data as ChildExit).signal, 'SIGKILL')
})

t.test('an exit it caused (close) is not a death; close is idempotent and waits for the exit', async (t) => {
  const child = sh('trap "exit 0" TERM; while true; do sleep 0.1; done')
  const seen = record(child)
  const pid = await child.start()
  await Promise.all([child.close(), child.close()])
  await child.close()
  t.same(names(seen), ['spawned', 'exited'])
  t.equal(isProcessAlive(pid), false)
  t.equal(child.running, false)
  t.equal(child.signal('SIGTERM'), false, 'no signal once it is gone')
})

t.test('after release() an exit the caller caused is not a death', async (t) => {
  const child = sh('while true; do sleep 0.1; done')
  const seen = record(child)
  const pid = await child.start()
  child.release()
  process.kill(pid, 'SIGKILL')
  t.ok(await child.waitForExit(20_000))
  t.same(names(seen), ['spawned', 'exited'])
})

t.test('close before start and close after the child exited on its own both resolve', async (t) => {
  await sh('exit 0').close()
  const child = sh('exit 0')
  const seen = record(child)
  await child.start()
  await child.waitForExit(20_000)
  await child.close()
  await child.close()
  t.same(names(seen), ['spawned', 'died', 'exited'], 'the exit happened before close was asked for')
})

t.test('a child that ignores SIGTERM gets SIGKILL after the grace time', { timeout: 60_000 }, async (t) => {
  const child = sh('trap "" TERM; echo ready; while true; do sleep 0.1; done')
  const lines: string[] = []
  child.on('line', ({ line }) => lines.push(line))
  const seen = record(child)
  const pid = await child.start()
  // the trap must be set before the SIGTERM, or sh dies of it
  await waitFor('the trap to be set', () => lines.includes('ready'), { timeoutMs: 20_000, intervalMs: 20 })
  const asked = Date.now()
  await child.close(300)
  t.ok(Date.now() - asked >= 300, 'it was given the grace time first')
  t.equal(child.exit?.signal, 'SIGKILL')
  t.equal(isProcessAlive(pid), false)
  t.same(names(seen), ['spawned', 'exited'])
})

t.test('with its own group, a close takes the child\'s children too, even one that ignores SIGTERM', { timeout: 60_000 }, async (t) => {
  // the grandchild ignores TERM; the child exits on it: only the group's SIGKILL after the exit ends the grandchild
  const child = sh('(trap "" TERM; while true; do sleep 0.1; done) & echo "grandchild $!"; trap "exit 0" TERM; while true; do sleep 0.1; done', { ownGroup: true })
  const lines: string[] = []
  child.on('line', ({ line }) => lines.push(line))
  const pid = await child.start()
  const grandchild = Number((await waitFor('the grandchild pid', () => lines.find((l) => l.startsWith('grandchild ')), { timeoutMs: 20_000, intervalMs: 20 })).split(' ')[1])
  t.teardown(() => { try { process.kill(grandchild, 'SIGKILL') } catch {} })
  t.ok(isProcessAlive(grandchild))
  await child.close(5000)
  t.equal(child.exit?.code, 0, 'the child itself stopped on SIGTERM')
  t.equal(isProcessAlive(pid), false)
  await waitFor('the grandchild to be gone', () => !isProcessAlive(grandchild), { timeoutMs: 10_000, intervalMs: 20 })
  t.pass('the grandchild is gone')
})

t.test('with its own group, it leads a group apart from ours and signal() reaches the whole group', { timeout: 60_000 }, async (t) => {
  const child = sh('sleep 60 & echo "grandchild $!"; wait', { ownGroup: true })
  const lines: string[] = []
  child.on('line', ({ line }) => lines.push(line))
  const seen = record(child)
  const pid = await child.start()
  t.teardown(async () => { await child.close() })
  const grandchild = Number((await waitFor('the grandchild pid', () => lines.find((l) => l.startsWith('grandchild ')), { timeoutMs: 20_000, intervalMs: 20 })).split(' ')[1])
  t.teardown(() => { try { process.kill(grandchild, 'SIGKILL') } catch {} })
  t.equal(groupOf(pid), pid, 'the child leads its own group')
  t.equal(groupOf(grandchild), pid, 'its children are in it')
  t.not(groupOf(pid), groupOf(process.pid), 'a signal to our group does not reach it')
  t.ok(child.signal('SIGKILL'))
  t.ok(await child.waitForExit(20_000))
  await waitFor('the grandchild to be gone', () => !isProcessAlive(grandchild), { timeoutMs: 10_000, intervalMs: 20 })
  t.same(names(seen), ['spawned', 'died', 'exited'], 'a signal sent through signal() is not announced: it is a death')
})

t.test('a listener that throws does not stop the others nor the exit handling', async (t) => {
  const errors: Array<{ err: unknown, event: string }> = []
  const child = sh('exit 3', { onListenerError: (err, event) => errors.push({ err, event }) })
  child.on('died', () => { throw new Error('a caller bug') })
  const seen = record(child)
  await child.start()
  t.ok(await child.waitForExit(20_000))
  t.same(names(seen), ['spawned', 'died', 'exited'])
  t.equal(errors.length, 1)
  t.equal(errors[0]!.event, 'died')
  t.match(errors[0]!.err, { message: 'a caller bug' })
})

t.test('start twice is a programming error', async (t) => {
  const child = sh('exit 0')
  await child.start()
  await t.rejects(child.start(), /called twice/)
  await child.close()
})
