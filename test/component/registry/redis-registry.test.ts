// The Redis registry against a real redis-server that the tests kill, freeze and restart: a dead
// or frozen Redis is an error at once (never a wait), the client comes back by itself, and the
// password never leaves the URL.
import t, { type Test } from 'tap'
import { pino, type Logger } from 'pino'
import { RedisRegistry } from '../../../internal/registry/redis-registry.js'
import type { Registry } from '../../../internal/registry/registry.js'
import { parseRegistryUrl } from '../../../internal/registry/registry-url.js'
import { RedisServer, type RedisServerOptions } from '../../support/redis-server.js'
import { waitFor } from '../../support/wait-for.js'

interface Line { readonly level: number, readonly msg: string, readonly [key: string]: unknown }

function capture (): { log: Logger, lines: Line[] } {
  const lines: Line[] = []
  return { log: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Line) } }), lines }
}

/** The error `promise` rejects with; a resolved promise is a failure of the test. */
async function rejection (promise: Promise<unknown>): Promise<Error & { code?: string }> {
  return await promise.then(() => { throw new Error('expected a rejection') }, (err: unknown) => err as Error & { code?: string })
}

async function startServer (t: Test, options: RedisServerOptions = {}): Promise<RedisServer> {
  const server = await RedisServer.start(options)
  t.teardown(async () => { await server.stop() })
  return server
}

function registryFor (t: Test, url: string, log: Logger, commandTimeoutMs?: number): RedisRegistry {
  const target = parseRegistryUrl(url)
  if (target.kind !== 'redis') throw new Error(`unexpected target ${target.kind}`)
  const registry = new RedisRegistry(target, { log, ...(commandTimeoutMs === undefined ? {} : { commandTimeoutMs }) })
  t.teardown(async () => { await registry.close() })
  return registry
}

// one of each operation, each expected to reject with `code`; answers how long the slowest took
async function everyOperationRejects (t: Test, registry: Registry, code: string): Promise<number> {
  const operations: Array<[string, () => Promise<unknown>]> = [
    ['put', async () => await registry.put('ingest', [{ id: 'x', value: 1 }], 5000)],
    ['get', async () => await registry.get('ingest', 'x')],
    ['list', async () => await registry.list('ingest')],
    ['remove', async () => await registry.remove('ingest', 'x')],
    ['acquireLease', async () => await registry.acquireLease('assigner', 'a', 5000)],
    ['releaseLease', async () => await registry.releaseLease('assigner', 'a')]
  ]
  let slowest = 0
  for (const [name, operation] of operations) {
    const started = Date.now()
    await t.rejects(operation(), { code, statusCode: 503 }, `${name} rejects with ${code}`)
    slowest = Math.max(slowest, Date.now() - started)
  }
  return slowest
}

t.test('while Redis is dead every operation fails at once; after a restart on its port the client is back', async (t) => {
  const server = await startServer(t)
  const { log, lines } = capture()
  const registry = registryFor(t, server.url, log)
  await registry.start()
  let reconnects = 0
  registry.onReconnect(() => { reconnects++ })
  await registry.put('stream', [{ id: 'news', value: 'defined' }])

  await server.kill('SIGKILL')
  // a reconnect attempt has failed by now: the errors name what failed, not just "not connected"
  await waitFor('a refused reconnect', async () => {
    const err = await registry.list('stream').catch((err: unknown) => err as Error)
    return err instanceof Error && /ECONNREFUSED/.test(err.message)
  }, { timeoutMs: 10_000, intervalMs: 50 })
  const slowest = await everyOperationRejects(t, registry, 'REGISTRY_ERR_UNAVAILABLE')
  t.ok(slowest < 5000, `no operation waits on the dead Redis (slowest ${slowest} ms)`)
  const err = await rejection(registry.get('stream', 'news'))
  t.match(err.message, new RegExp(`^registry redis://127\\.0\\.0\\.1:${server.port} unavailable: connect ECONNREFUSED`), 'one line: which registry and what failed')
  t.equal(reconnects, 0)

  await server.restart()
  await waitFor('the onReconnect listener', () => reconnects === 1, { timeoutMs: 10_000, intervalMs: 25 })
  await registry.put('edge', [{ id: 'e1', value: 'back' }], 5000)
  t.same((await registry.get('edge', 'e1'))?.value, 'back', 'operations work again')
  t.equal(await registry.get('stream', 'news'), undefined, 'without persistence the restarted Redis is empty: why writers re-announce')

  const transitions = lines.filter((l) => /^registry connection/.test(l.msg))
  t.same(transitions.map((l) => [l.level, l.msg]), [[40, 'registry connection lost; reconnecting'], [30, 'registry connection restored']], 'one line per transition, not one per retry')
  t.notOk(lines.some((l) => 'stack' in l || 'err' in l), 'no stacks')
})

t.test('a frozen Redis (SIGSTOP) is an error after the command timeout, not a hang', async (t) => {
  const server = await startServer(t)
  const registry = registryFor(t, server.url, capture().log, 300)
  await registry.start()
  await server.kill('SIGSTOP')
  t.teardown(async () => { await server.kill('SIGCONT') })
  const started = Date.now()
  const err = await rejection(registry.list('ingest'))
  t.equal(err.code, 'REGISTRY_ERR_UNAVAILABLE')
  t.match(err.message, /unavailable: no answer within 300 ms$/)
  t.ok(Date.now() - started < 5000, 'it gave up')
  await server.kill('SIGCONT')
  await waitFor('the thawed Redis to answer', async () => (await registry.list('ingest').catch(() => undefined)) !== undefined, { timeoutMs: 10_000, intervalMs: 50 })
})

t.test('three command timeouts in a row drop the connection for a new one: a silently dead link is not waited out', async (t) => {
  const server = await startServer(t)
  const { log, lines } = capture()
  const registry = registryFor(t, server.url, log, 200)
  await registry.start()
  await server.kill('SIGSTOP')
  t.teardown(async () => { await server.kill('SIGCONT') })
  for (let i = 0; i < 2; i++) await rejection(registry.list('ingest'))
  t.notOk(lines.some((l) => l.msg === 'registry connection lost; reconnecting'), 'two timeouts: the connection is kept (a slow Redis is not a dead one)')
  await rejection(registry.list('ingest'))
  await waitFor('the connection to be dropped', async () => lines.some((l) => l.msg === 'registry connection lost; reconnecting'), { timeoutMs: 5000, intervalMs: 20 })
  const lost = lines.find((l) => l.msg === 'registry connection lost; reconnecting')
  t.match(lost?.reason, /no answer to 3 commands in a row within 200 ms each/, 'the log says why')
  await server.kill('SIGCONT')
  await waitFor('the new connection to answer', async () => (await registry.list('ingest').catch(() => undefined)) !== undefined, { timeoutMs: 10_000, intervalMs: 50 })
  t.ok(lines.some((l) => l.msg === 'registry connection restored'), 'restored on a new connection')
})

t.test('with appendonly a hard record survives SIGKILL and restart', async (t) => {
  const server = await startServer(t, { appendonly: true })
  const registry = registryFor(t, server.url, capture().log)
  await registry.start()
  let reconnects = 0
  registry.onReconnect(() => { reconnects++ })
  await registry.put('stream', [{ id: 'news', value: { renditions: [720] } }])
  await registry.put('ingest', [{ id: 'live01', value: 1 }], 60_000)
  await server.kill('SIGKILL')
  await server.restart()
  await waitFor('the client to reconnect', () => reconnects === 1, { timeoutMs: 10_000, intervalMs: 25 })
  t.same(await registry.get('stream', 'news'), { id: 'news', value: { renditions: [720] }, expiresInMs: undefined })
  const soft = await registry.get('ingest', 'live01')
  t.ok(soft?.expiresInMs !== undefined && soft.expiresInMs > 0, 'a soft record came back with its TTL')
})

t.test('the password in the URL is in no error message and no log line', async (t) => {
  const password = 'S3cret-pw@with/odd:chars'
  const server = await startServer(t, { password })
  const { log, lines } = capture()
  const url = `redis://:${password}@127.0.0.1:${server.port}`

  const wrong = registryFor(t, `redis://:not-${password}@127.0.0.1:${server.port}`, log)
  const refused = await rejection(wrong.start())
  t.equal(refused.code, 'REGISTRY_ERR_UNAVAILABLE', 'a wrong password fails the start')
  t.match(refused.message, new RegExp(`^registry redis://:\\*\\*\\*@127\\.0\\.0\\.1:${server.port} unavailable: WRONGPASS`))

  const registry = registryFor(t, url, log)
  await registry.start()
  await registry.put('ingest', [{ id: 'x', value: 1 }], 5000)
  await server.kill('SIGKILL')
  const messages = [refused.message, (await rejection(registry.list('ingest'))).message, (await rejection(registry.acquireLease('l', 'h', 1000))).message]
  t.ok(messages.every((m) => m.startsWith(`registry redis://:***@127.0.0.1:${server.port} unavailable: `)), 'each names the registry with the password masked')
  t.notOk(messages.some((m) => m.includes(password) || m.includes('S3cret')), 'no message holds the password')
  t.notOk(lines.some((l) => JSON.stringify(l).includes('S3cret')), 'no log line holds it')
})

t.test('start rejects clearly when nothing listens, and stops trying', async (t) => {
  const server = await startServer(t)
  const port = server.port
  await server.stop()
  const registry = registryFor(t, `redis://127.0.0.1:${port}`, capture().log)
  await t.rejects(registry.start(), { code: 'REGISTRY_ERR_UNAVAILABLE', message: `registry redis://127.0.0.1:${port} unavailable: connect ECONNREFUSED 127.0.0.1:${port}` })
  await t.rejects(registry.list('ingest'), { code: 'REGISTRY_ERR_UNAVAILABLE' })
})
