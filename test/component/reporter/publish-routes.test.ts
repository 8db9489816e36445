import t, { type Test } from 'tap'
import { pino } from 'pino'
import { MemoryRegistry } from '../../../internal/registry/memory-registry.js'
import { buildReporterApp } from '../../../internal/reporter/reporter-app.js'

const TOKENS = { discovery: 'discovery-token-1', edges: 'edges-token-1', worker: 'worker-token-1', operator: 'operator-token-1', ingest: 'ingest-token-1' }
const as = (role: keyof typeof TOKENS): Record<string, string> => ({ authorization: `Bearer ${TOKENS[role]}` })
const SILENT = pino({ level: 'silent' })

async function publishApp (t: Test): Promise<{ app: ReturnType<typeof buildReporterApp>['app'], advance: (ms: number) => void }> {
  let now = Date.parse('2026-11-30T12:00:00Z')
  const registry = new MemoryRegistry({ now: () => now })
  const reporter = buildReporterApp({ config: { tokens: TOKENS, ttlMs: 5000, maxTtlMs: 60_000, bodyLimitBytes: 64 * 1024 }, log: SILENT, now: () => now, registry })
  t.teardown(async () => { await reporter.app.close() })
  for (const [name, key] of [['stage', 'stage-key-1'], ['room', 'room-key-1']]) {
    const put = await reporter.app.inject({ method: 'PUT', url: `/streams/${name}`, headers: as('operator'), payload: { source: { push: true }, ladder: '240p:426x240:400', stream_key: key } })
    t.equal(put.statusCode, 201, 'a push stream is defined')
  }
  await reporter.app.inject({ method: 'PUT', url: '/streams/loop', headers: as('operator'), payload: { source: { file: 'a.mp4' }, ladder: '240p:426x240:400', stream_key: 'loop-key-1' } })
  return { app: reporter.app, advance: (ms) => { now += ms } }
}

const claim = (key: string, session: string, role = 'main'): Record<string, unknown> =>
  ({ key, role, ingest: 'ingest1', session, play_token: 'play-token-12345', anchor: null, has_audio: false, app_url: 'rtmp://10.0.0.5:1935/live' })

t.test('a claim names the stream of its key; a wrong key, a looped stream\'s key and a second publisher are refused', async (t) => {
  const { app } = await publishApp(t)
  const ok = await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('stage-key-1', 'session-0001') })
  t.equal(ok.statusCode, 200)
  t.same(ok.json(), { stream: 'stage', pull_url: 'rtmp://10.0.0.5:1935/live/stage', ttl_ms: 3000 })
  const wrong = await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('nobodys-key-1', 'session-0002') })
  t.equal(wrong.statusCode, 403)
  t.equal(wrong.json().error, 'REPORTER_ERR_BAD_KEY')
  t.equal((await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('loop-key-1', 'session-0003') })).statusCode, 403, 'a looped file is not pushed to')
  const second = await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('stage-key-1', 'session-0004') })
  t.equal(second.statusCode, 409)
  t.match(second.json().message, /stream 'stage' is already being published as main/)
  t.equal((await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('stage-key-1', 'session-0005', 'backup') })).statusCode, 200, 'the backup publish is its own slot')
  t.equal((await app.inject({ method: 'POST', url: '/publishes', headers: as('worker'), payload: claim('room-key-1', 'session-0006') })).statusCode, 403, 'only the ingest role claims')
  const list = (await app.inject({ method: 'GET', url: '/publishes' })).json() as Array<Record<string, unknown>>
  t.same(list.map((p) => [p.stream, p.role]), [['stage', 'backup'], ['stage', 'main']])
  t.notOk(list.some((p) => 'play_token' in p), 'a public read never shows the play token')
})

t.test('renewals keep a publish; without them it expires and the stream is free; a release frees it at once', async (t) => {
  const { app, advance } = await publishApp(t)
  await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('room-key-1', 'session-0001') })
  const renew = { stream: 'room', role: 'main', ingest: 'ingest1', session: 'session-0001', pull_url: 'rtmp://10.0.0.5:1935/live/room', play_token: 'play-token-12345', anchor: { source_ms: 3021, epoch_ms: 1_800_000_000_000, probe_ms: 800 }, has_audio: true }
  for (let i = 0; i < 5; i++) {
    advance(1000)
    t.equal((await app.inject({ method: 'POST', url: '/publishes/renew', headers: as('ingest'), payload: renew })).statusCode, 200)
  }
  const held = (await app.inject({ method: 'GET', url: '/publishes' })).json() as Array<Record<string, unknown>>
  t.same(held[0]?.anchor, renew.anchor, 'the anchor the ingest found is there for the workers')
  t.equal((await app.inject({ method: 'POST', url: '/publishes/renew', headers: as('ingest'), payload: { ...renew, session: 'session-other' } })).statusCode, 409, 'another session cannot renew it')
  advance(3001)
  t.same((await app.inject({ method: 'GET', url: '/publishes' })).json(), [], 'an ingest that stopped renewing loses it after the TTL')
  t.equal((await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('room-key-1', 'session-0002') })).statusCode, 200, 'and the next publisher gets it')
  const release = await app.inject({ method: 'POST', url: '/publishes/release', headers: as('ingest'), payload: { stream: 'room', role: 'main', session: 'session-0002' } })
  t.same(release.json(), { stream: 'room', removed: true })
  t.equal((await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('room-key-1', 'session-0003') })).statusCode, 200, 'a released publish is free at once')
})

t.test('a worker\'s heartbeat answer carries the publishes of its push streams, play token included', async (t) => {
  const { app } = await publishApp(t)
  await app.inject({ method: 'POST', url: '/publishes', headers: as('ingest'), payload: claim('room-key-1', 'session-0001') })
  const answer = await app.inject({ method: 'POST', url: '/workers', headers: as('worker'), payload: { id: 'w1', host: 'h1', capacity: 5, packager: 'http://127.0.0.1:8080', load: 0, streams: ['room', 'loop'], ttl_ms: 3000 } })
  t.equal(answer.statusCode, 200)
  const body = answer.json() as { assigned: Array<{ name: string }>, publishes: Array<Record<string, unknown>> }
  t.same(body.assigned.map((s) => s.name).sort(), ['loop', 'room'], 'the streams it runs stay with it before the assigner placed them')
  t.same(body.publishes.map((p) => [p.stream, p.play_token]), [['room', 'play-token-12345']])
})

t.test('an ingest reads the keys of the push streams it listens for over SRT, and nobody else does', async (t) => {
  const { app } = await publishApp(t)
  const read = async (headers: Record<string, string>, streams: string[]): Promise<{ status: number, body: unknown, cache: unknown }> => {
    const answer = await app.inject({ method: 'POST', url: '/publishes/keys', headers, payload: { streams } })
    return { status: answer.statusCode, body: answer.json(), cache: answer.headers['cache-control'] }
  }
  const ingest = await read(as('ingest'), ['stage', 'loop', 'nowhere'])
  t.same([ingest.status, ingest.body], [200, { keys: { stage: 'stage-key-1' } }], 'only the listed push streams: not a looped file\'s key, not an unknown stream')
  t.match(String(ingest.cache), /no-store/, 'never cached')
  for (const role of ['worker', 'operator', 'discovery'] as const) t.equal((await read(as(role), ['stage'])).status, 403, `the ${role} role cannot read keys`)
  t.equal((await read({}, ['stage'])).status, 401, 'nor can an anonymous caller')
  const bad = await app.inject({ method: 'POST', url: '/publishes/keys', headers: as('ingest'), payload: { streams: 'stage' } })
  t.equal(bad.statusCode, 400, 'a malformed read is refused with a clear error')
})
