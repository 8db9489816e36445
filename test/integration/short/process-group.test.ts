import t from 'tap'
import { PassThrough } from 'node:stream'
import { ProcessGroup } from '../../../internal/local/process-group.js'
import { localComponents } from '../../../internal/local/local-components.js'
import { childEnv } from '../../support/child-env.js'
import { PROJECT_ROOT } from '../../support/project-root.js'
import { waitFor } from '../../support/wait-for.js'

t.test('one log stream with a name on each line; close stops every child', async (t) => {
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk: Buffer) => { text += chunk.toString() })
  const group = new ProcessGroup([
    { name: 'alpha', entry: 'test/support/echo-service.ts', env: { ECHO_NAME: 'alpha' } },
    { name: 'beta-long', entry: 'test/support/echo-service.ts', env: { ECHO_NAME: 'beta' } }
  ], { cwd: PROJECT_ROOT, env: childEnv(), out, color: false })
  t.teardown(async () => { await group.close() })
  group.start()
  await waitFor('both children to speak', () => text.includes('hello from alpha') && text.includes('hello from beta'), { timeoutMs: 20_000 })
  t.match(text, /^alpha     \| hello from alpha$/m, 'names are padded to one width')
  t.match(text, /^beta-long \| hello from beta$/m)
  await group.close()
  t.match(text, /^alpha     \| bye$/m, 'children were stopped with SIGTERM and said goodbye')
  t.notMatch(text, /exited \(/, 'a stop we asked for is not reported as a crash')
  await group.close()
  t.pass('close is idempotent')
})

t.test('after a Ctrl-C the group waits for children already stopping, and SIGTERMs only the rest', async (t) => {
  const out = new PassThrough()
  let text = ''
  out.on('data', (chunk: Buffer) => { text += chunk.toString() })
  const group = new ProcessGroup([
    { name: 'polite', entry: 'test/support/echo-service.ts', env: { ECHO_NAME: 'polite' } },
    { name: 'deaf', entry: 'test/support/echo-service.ts', env: { ECHO_NAME: 'deaf', ECHO_IGNORE_INT: '1' } }
  ], { cwd: PROJECT_ROOT, env: childEnv(), out, color: false })
  t.teardown(async () => { await group.close() })
  group.start()
  await waitFor('both children to speak', () => text.includes('hello from polite') && text.includes('hello from deaf'), { timeoutMs: 20_000 })
  // what a terminal's Ctrl-C does to the foreground group
  for (const pid of group.pids) process.kill(pid, 'SIGINT')
  await group.close(1500)
  t.match(text, /^polite \| bye after SIGINT$/m, 'the child that stopped on SIGINT')
  t.notMatch(text, /^polite \| bye$/m, 'was not sent a second signal')
  t.match(text, /^deaf   \| bye$/m, 'the one still running after the wait got SIGTERM')
  t.same(group.pids, [])
})

t.test('profiles: the redundant one adds a second worker feeding server2 from its own folder', async (t) => {
  const normal = localComponents('default', 'output')
  const redundant = localComponents('redundant', 'output')
  t.same(normal.map((c) => c.name), ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'edges'])
  t.same(redundant.map((c) => c.name), ['reporter', 'server1', 'server2', 'worker', 'worker2', 'discovery', 'origin', 'edges'])
  t.equal(redundant.find((c) => c.name === 'server2')?.env.PACKAGER_ROOT, 'output2')
  t.equal(redundant.find((c) => c.name === 'worker2')?.env.OUTPUT_STREAM_PATH, 'output2')
  t.equal(normal.find((c) => c.name === 'server2')?.env.PACKAGER_ROOT, undefined)
})

t.test('profiles: the replicas one adds a second origin, both offering the same two pathways', async (t) => {
  const replicas = localComponents('replicas', 'output', 8001)
  t.same(replicas.map((c) => c.name), ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'origin2', 'edges'])
  const pathways = 'a=http://localhost:8001,b=http://127.0.0.1:8011'
  t.equal(replicas.find((c) => c.name === 'origin')?.env.ORIGIN_PATHWAYS, pathways)
  t.same(replicas.find((c) => c.name === 'origin2')?.env, { ORIGIN_PATHWAYS: pathways, ORIGIN_PORT: '8011' })
  t.equal(localComponents('default', 'output').find((c) => c.name === 'origin')?.env.ORIGIN_PATHWAYS, undefined)
})
