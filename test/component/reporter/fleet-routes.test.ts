import t, { type Test } from 'tap'
import { pino } from 'pino'
import { Registry as MetricsRegistry } from 'prom-client'
import { AssignerLoop } from '../../../internal/assigner/assigner-loop.js'
import { MemoryRegistry } from '../../../internal/registry/memory-registry.js'
import { buildReporterApp } from '../../../internal/reporter/reporter-app.js'

const TOKENS = { discovery: 'discovery-token-1', edges: 'edges-token-1', worker: 'worker-token-1', operator: 'operator-token-1' }
const as = (role: keyof typeof TOKENS): Record<string, string> => ({ authorization: `Bearer ${TOKENS[role]}` })
const SILENT = pino({ level: 'silent' })

function fleetApp (t: Test, tokens: Record<string, string> = TOKENS): { app: ReturnType<typeof buildReporterApp>, registry: MemoryRegistry, advance: (ms: number) => void, assigner: (holder: string) => AssignerLoop } {
  let now = Date.parse('2026-11-30T12:00:00Z')
  const registry = new MemoryRegistry({ now: () => now })
  const app = buildReporterApp({ config: { tokens, ttlMs: 5000, maxTtlMs: 60_000, bodyLimitBytes: 64 * 1024 }, log: SILENT, now: () => now, registry })
  t.teardown(async () => { await app.app.close() })
  const assigner = (holder: string): AssignerLoop => {
    const loop = new AssignerLoop({ fleet: app.fleet, holder, intervalMs: 1000, settleMs: 3000, log: SILENT, metrics: new MetricsRegistry(), now: () => now })
    t.teardown(async () => { await loop.close() })
    return loop
  }
  return { app, registry, advance: (ms) => { now += ms }, assigner }
}

const beat = (id: string, extra: Record<string, unknown> = {}): Record<string, unknown> =>
  ({ id, host: `host-${id}`, capacity: 2, packager: `http://127.0.0.1:80${id.slice(1)}`, load: 0, streams: [], ttl_ms: 3000, ...extra })

t.test('operators define streams; reads show them without the key', async (t) => {
  const { app: { app } } = fleetApp(t)
  const put = await app.inject({ method: 'PUT', url: '/streams/room1', headers: as('operator'), payload: { source: { file: 'a.mp4' }, ladder: '240p:426x240:400', stream_key: 'publisher-key-1' } })
  t.equal(put.statusCode, 201)
  t.same(put.json(), { name: 'room1', source: { file: 'a.mp4' }, ladder: '240p:426x240:400', segment_duration: 2, redundancy: 2, has_stream_key: true })
  t.equal((await app.inject({ method: 'PUT', url: '/streams/room1', headers: as('operator'), payload: { source: { file: 'b.mp4' }, ladder: '240p:426x240:400' } })).statusCode, 200, 'a redefinition answers 200')
  const list = await app.inject('/streams')
  t.equal(list.headers['cache-control'], 'no-store')
  t.same(list.json(), [{ name: 'room1', source: { file: 'b.mp4' }, ladder: '240p:426x240:400', segment_duration: 2, redundancy: 2, has_stream_key: false, workers: [], missing: 2 }])
  t.notMatch((await app.inject('/streams/room1')).body, /publisher-key/)
  t.equal((await app.inject('/streams/room9')).json().error, 'REPORTER_ERR_NO_STREAM')
  t.equal((await app.inject('/streams/..%2Fx')).statusCode, 400)
})

t.test('only the operator\'s token changes streams; bad definitions name the field', async (t) => {
  const { app: { app } } = fleetApp(t)
  const body = { source: { file: 'a.mp4' } }
  t.equal((await app.inject({ method: 'PUT', url: '/streams/a', payload: body })).statusCode, 401)
  const forbidden = await app.inject({ method: 'PUT', url: '/streams/a', headers: as('worker'), payload: body })
  t.equal(forbidden.statusCode, 403)
  t.match(forbidden.json().message, /worker role, which may not write PUT \/streams\/<name> \(only operator's token may\)/)
  t.equal((await app.inject({ method: 'DELETE', url: '/streams/a', headers: as('discovery') })).statusCode, 403)
  const bad = await app.inject({ method: 'PUT', url: '/streams/a', headers: as('operator'), payload: { source: { file: 'a.mp4' }, redundancy: 9 } })
  t.same([bad.statusCode, bad.json().error, bad.json().message], [400, 'REPORTER_ERR_BAD_STREAM', 'body.redundancy: must be a whole number from 1 to 8'])
  const renamed = await app.inject({ method: 'PUT', url: '/streams/a', headers: as('operator'), payload: { name: 'b', source: { file: 'a.mp4' } } })
  t.match(renamed.json().message, /body\.name: 'b' differs from the path's 'a'/)
  t.same((await app.inject('/streams')).json(), [], 'refused writes changed nothing')
  t.equal((await app.inject({ method: 'DELETE', url: '/streams/a', headers: as('operator') })).statusCode, 404)
})

t.test('workers register, the assigner places, heartbeats answer with the assignment', async (t) => {
  const { app: { app }, advance, assigner } = fleetApp(t)
  for (const name of ['room1', 'stage1']) {
    await app.inject({ method: 'PUT', url: `/streams/${name}`, headers: as('operator'), payload: { source: { file: 'a.mp4' }, ladder: '240p:426x240:400', stream_key: 'publisher-key-1' } })
  }
  const first = await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1') })
  t.same(first.json(), { id: 'w1', ttl_ms: 3000, assigned: [], publishes: [] }, 'nothing is placed before the assigner ran')
  await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w2') })
  await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w3', { stream_filter: '^stage', capacity: 1 }) })
  const loop = assigner('a')
  await loop.runRound()
  t.ok(loop.isLeader)

  const streams = (await app.inject('/streams')).json() as Array<{ name: string, workers: string[], missing: number }>
  t.same(streams.map((s) => [s.name, s.workers.length, s.missing]), [['room1', 2, 0], ['stage1', 2, 0]])
  t.notOk(streams.find((s) => s.name === 'room1')?.workers.includes('w3'), 'the filter keeps room1 off w3')
  const assigned = (await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1') })).json().assigned as Array<{ name: string }>
  t.ok(assigned.length > 0)
  t.notMatch(JSON.stringify(assigned), /publisher-key/, 'workers never get the key')
  const workers = (await app.inject('/workers')).json() as Array<{ id: string, capacity: number, streams: string[], packager: string }>
  t.same(workers.map((w) => w.id), ['w1', 'w2', 'w3'])
  for (const w of workers) t.ok(w.streams.length <= w.capacity, `${w.id} within capacity`)
  t.equal(workers[0]?.packager, 'http://127.0.0.1:801')

  // w2 stops beating: once its registration expired, its copies move within one round
  const w2Streams = workers.find((w) => w.id === 'w2')?.streams ?? []
  t.ok(w2Streams.length > 0)
  advance(2000)
  await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1') })
  await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w3', { stream_filter: '^stage', capacity: 1 }) })
  advance(1500)
  await loop.runRound()
  const after = (await app.inject('/workers')).json() as Array<{ id: string, streams: string[] }>
  t.same(after.map((w) => w.id), ['w1', 'w3'], 'w2 expired')
  const placed = (await app.inject('/streams')).json() as Array<{ name: string, workers: string[] }>
  for (const s of placed) t.notOk(s.workers.includes('w2'), `${s.name} left the dead worker`)
})

t.test('heartbeats are checked: the worker token, the filter, the fields', async (t) => {
  const { app: { app } } = fleetApp(t)
  t.equal((await app.inject({ method: 'POST', url: '/workers', headers: as('discovery'), payload: beat('w1') })).statusCode, 403)
  const filter = await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1', { stream_filter: '(' }) })
  t.same([filter.statusCode, filter.json().error], [400, 'REPORTER_ERR_BAD_FILTER'])
  const typed = await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1', { capacity: '3' }) })
  t.same([typed.statusCode, typed.json().message], [400, 'body/capacity must be integer'])
  t.same((await app.inject('/workers')).json(), [], 'refused heartbeats registered nothing')
})

t.test('a worker id is held by its first registration until it expires', async (t) => {
  const { app: { app }, advance } = fleetApp(t)
  t.equal((await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1') })).statusCode, 200)
  t.equal((await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1', { load: 1 }) })).statusCode, 200, 'the holder keeps beating')
  const copied = await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1', { host: 'another-host' }) })
  t.same([copied.statusCode, copied.json().error], [409, 'REPORTER_ERR_WORKER_TAKEN'])
  t.match(copied.json().message, /worker 'w1' is registered from host host-w1 .*give each worker its own WORKER_ID/)
  t.equal((await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1', { packager: 'http://10.0.0.9:8081' }) })).statusCode, 409)
  t.equal(((await app.inject('/workers')).json() as Array<{ host: string }>)[0]?.host, 'host-w1', 'the refused heartbeat changed nothing')
  advance(3000)
  t.equal((await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1', { host: 'another-host' }) })).statusCode, 200, 'once expired, the id is free')
})

t.test('a reporter without a worker token keeps worker registration closed', async (t) => {
  const { app: { app } } = fleetApp(t, { discovery: TOKENS.discovery, edges: TOKENS.edges })
  t.equal((await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1') })).statusCode, 401)
  t.equal((await app.inject({ method: 'PUT', url: '/streams/a', headers: as('operator'), payload: { source: { file: 'a' } } })).statusCode, 401)
})

t.test('of several assigners exactly one acts; another takes over when it stops', async (t) => {
  const { app: { app }, assigner } = fleetApp(t)
  await app.inject({ method: 'PUT', url: '/streams/a', headers: as('operator'), payload: { source: { file: 'a.mp4' }, ladder: '240p:426x240:400', redundancy: 1 } })
  await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat('w1') })
  const one = assigner('one')
  const two = assigner('two')
  await one.runRound()
  await two.runRound()
  t.same([one.isLeader, two.isLeader], [true, false])
  await one.close()
  await two.runRound()
  t.same([one.isLeader, two.isLeader], [false, true], 'the lease was released at close and taken at the next round')
  t.same((await app.inject('/streams/a')).json().workers, ['w1'])
})

t.test('records lost while workers run: the assigner waits for them to re-announce, then places as before', async (t) => {
  const { app: { app }, registry, advance, assigner } = fleetApp(t)
  for (const name of ['a', 'b']) await app.inject({ method: 'PUT', url: `/streams/${name}`, headers: as('operator'), payload: { source: { file: 'a.mp4' }, ladder: '240p:426x240:400' } })
  const beatAll = async (): Promise<void> => {
    for (const id of ['w1', 'w2', 'w3']) {
      const running = ((await app.inject('/workers')).json() as Array<{ id: string, streams: string[] }>).find((w) => w.id === id)?.streams ?? []
      await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat(id, { streams: running }) })
    }
  }
  await beatAll()
  const loop = assigner('a')
  await loop.runRound()
  await beatAll()
  const before = (await app.inject('/streams')).json()
  // what a Redis restart without persistence does: every soft record gone
  for (const kind of ['assignment', 'worker'] as const) for (const record of await registry.list(kind)) await registry.remove(kind, record.id)
  const w1 = before.flatMap((s: { workers: string[] }) => s.workers).includes('w1') ? 'w1' : 'w2'
  const running = before.filter((s: { workers: string[] }) => s.workers.includes(w1)).map((s: { name: string }) => s.name)
  await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat(w1, { streams: running }) })
  const answer = (await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat(w1, { streams: running }) })).json()
  t.same(answer.assigned.map((s: { name: string }) => s.name), running, 'a stream with no assignment record stays with the worker that runs it')
  await loop.runRound()
  t.same((await registry.list('assignment')).length, 0, 'one worker re-announced: the assigner waits instead of placing')
  advance(1000)
  for (const id of ['w1', 'w2', 'w3']) {
    const mine = before.filter((s: { workers: string[] }) => s.workers.includes(id)).map((s: { name: string }) => s.name)
    await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: beat(id, { streams: mine }) })
  }
  advance(2000)
  await loop.runRound()
  t.same((await app.inject('/streams')).json(), before, 'after the settle every stream is where it was')
})
