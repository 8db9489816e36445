import t, { type Test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { pino, type Logger } from 'pino'
import { Counter, Registry } from 'prom-client'
import { ReporterPost } from '../../../internal/http/reporter-post.js'
import { ReporterClient } from '../../../internal/discovery/reporter-client.js'
import { HeartbeatClient } from '../../../internal/edges/heartbeat-client.js'
import { freePort } from '../../support/free-port.js'

type Script = (req: IncomingMessage, body: string, res: ServerResponse) => void

async function scriptedReporter (t: Test, script: Script): Promise<string> {
  const server = createServer((req, res) => {
    req.socket.setTimeout(10_000)
    let body = ''
    req.on('data', (chunk: Buffer) => { body += chunk.toString() })
    req.on('end', () => { script(req, body, res) })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function counter (): { failures: Counter<'reason'>, registry: Registry } {
  const registry = new Registry()
  return { registry, failures: new Counter({ name: 'post_failures_total', help: 'h', labelNames: ['reason'] as const, registers: [registry] }) }
}

async function count (registry: Registry, reason: string): Promise<number> {
  const metric = await registry.getSingleMetric('post_failures_total')?.get()
  return metric?.values.find((v) => v.labels.reason === reason)?.value ?? 0
}

function capture (): { log: Logger, lines: Array<Record<string, unknown>> } {
  const lines: Array<Record<string, unknown>> = []
  const log = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line) as Record<string, unknown>) } })
  return { log, lines }
}

t.test('a 2xx is taken; the JSON body and the bearer token arrive as sent', async (t) => {
  let seen: { path?: string, auth?: string, type?: string, body?: string } = {}
  const url = await scriptedReporter(t, (req, body, res) => {
    seen = { path: req.url, auth: req.headers.authorization, type: req.headers['content-type'], body }
    res.statusCode = 204
    res.end()
  })
  const post = new ReporterPost({ urls: [url], token: 'token-123456', timeoutMs: 1000 })
  t.teardown(async () => { await post.close() })
  t.same(await post.post('/edges', { a: 1 }), { ok: true, text: '' })
  t.same(seen, { path: '/edges', auth: 'Bearer token-123456', type: 'application/json', body: '{"a":1}' })
})

t.test('without a token no authorization header is sent', async (t) => {
  let auth: string | undefined = 'unset'
  const url = await scriptedReporter(t, (req, _body, res) => { auth = req.headers.authorization; res.end('{}') })
  const post = new ReporterPost({ urls: [url], token: undefined, timeoutMs: 1000 })
  t.teardown(async () => { await post.close() })
  t.same(await post.post('/ingests', {}), { ok: true, text: '{}' })
  t.equal(auth, undefined)
})

t.test('every failure is returned with its code and counted by it, never thrown', async (t) => {
  const cases: Array<[string, Script, string, number | undefined]> = [
    ['401', (_q, _b, res) => { res.statusCode = 401; res.end('missing or wrong bearer token') }, 'http_4xx', 401],
    ['404', (_q, _b, res) => { res.statusCode = 404; res.end() }, 'http_404', 404],
    ['503', (_q, _b, res) => { res.statusCode = 503; res.end('full') }, 'http_5xx', 503],
    ['reset', (req) => { req.socket.destroy() }, 'reset', undefined],
    ['stall', () => {}, 'timeout', undefined]
  ]
  for (const [name, script, failure, status] of cases) {
    const url = await scriptedReporter(t, script)
    const { failures, registry } = counter()
    const post = new ReporterPost({ urls: [url], token: undefined, timeoutMs: 400, failures })
    const result = await post.post('/ingests', {})
    await post.close()
    t.match(result, { ok: false, failure, ...(status === undefined ? {} : { status }) }, name)
    t.equal(await count(registry, failure), 1, `${name} counted as ${failure}`)
  }
  const closed = `http://127.0.0.1:${await freePort()}`
  const post = new ReporterPost({ urls: [closed], token: undefined, timeoutMs: 400 })
  t.match(await post.post('/ingests', {}), { ok: false, failure: 'refused' }, 'a closed port is refused')
  await post.close()
})

t.test('an answered failure carries the status and the first 200 characters of the answer', async (t) => {
  const url = await scriptedReporter(t, (_q, _b, res) => { res.statusCode = 400; res.end('x'.repeat(500)) })
  const post = new ReporterPost({ urls: [url], token: undefined, timeoutMs: 1000 })
  t.teardown(async () => { await post.close() })
  const result = await post.post('/ingests', {})
  t.same(result, { ok: false, failure: 'http_4xx', status: 400, detail: `http 400: ${'x'.repeat(200)}`, url })
})

t.test("discovery's client backs off and names its token on a 401; the heartbeat names the edges' token", async (t) => {
  const url = await scriptedReporter(t, (_q, _b, res) => { res.statusCode = 401; res.end('no') })
  const { failures, registry } = counter()
  const d = capture()
  let now = 1000
  const reports = new ReporterClient({ urls: [url], token: 'token-123456', log: d.log, now: () => now, timeoutMs: 1000, failures })
  t.teardown(async () => { await reports.close() })
  t.equal(await reports.send({ signal: 'live01', packagers: [] } as never), false)
  t.equal(reports.down, true)
  t.equal(await reports.send({ signal: 'live01', packagers: [] } as never), false, 'skipped during the backoff')
  t.equal(await count(registry, 'http_4xx'), 1, 'one POST went out')
  now += 500
  await reports.send({ signal: 'live01', packagers: [] } as never)
  t.equal(await count(registry, 'http_4xx'), 2, 'the next after 0.5 s')
  const warn = d.lines.find((l) => l.level === 40)
  t.match(warn, { reason: /^http 401: no$/, msg: /check REPORTER_TOKEN \/ REPORTER_DISCOVERY_TOKEN/ })

  const e = capture()
  const beats = new HeartbeatClient({ urls: [url], token: 'token-123456', log: e.log, timeoutMs: 1000, failures })
  t.teardown(async () => { await beats.close() })
  t.equal(await beats.send([], 5000), false)
  t.equal(await beats.send([], 5000), false, 'not held back: the next heartbeat goes out')
  t.equal(await count(registry, 'http_4xx'), 4)
  const warnings = e.lines.filter((l) => l.level === 40)
  t.equal(warnings.length, 1, 'the outage is logged once')
  t.match(warnings[0], { reason: /^http 401: no \(check REPORTER_TOKEN \/ REPORTER_EDGES_TOKEN/ })
})

t.test('several reporters: a dead one or a 5xx moves the POST to the next inside the call, and the next call starts there', async (t) => {
  const dead = `http://127.0.0.1:${await freePort()}`
  let failingHits = 0
  const failing = await scriptedReporter(t, (_req, _body, res) => { failingHits++; res.statusCode = 503; res.end('registry away') })
  let liveHits = 0
  const live = await scriptedReporter(t, (_req, _body, res) => { liveHits++; res.end('{"ok":1}') })
  const { failures, registry } = counter()
  const post = new ReporterPost({ urls: [dead, failing, live], token: 'token-123456', timeoutMs: 1000, failures })
  t.teardown(async () => { await post.close() })
  t.same(await post.post('/edges', {}), { ok: true, text: '{"ok":1}' })
  t.same([failingHits, liveHits], [1, 1])
  t.equal(post.url, live, 'the one that answered is used first from now on')
  t.same(await post.post('/edges', {}), { ok: true, text: '{"ok":1}' })
  t.same([failingHits, liveHits], [1, 2], 'the next POST went straight to it')
  t.equal(await count(registry, 'refused'), 1)
  t.equal(await count(registry, 'http_5xx'), 1)
})

t.test('several reporters: a 4xx is the answer of every reporter and is not tried elsewhere', async (t) => {
  let otherHits = 0
  const refusing = await scriptedReporter(t, (_req, _body, res) => { res.statusCode = 401; res.end('no') })
  const other = await scriptedReporter(t, (_req, _body, res) => { otherHits++; res.end('{}') })
  const post = new ReporterPost({ urls: [refusing, other], token: undefined, timeoutMs: 1000 })
  t.teardown(async () => { await post.close() })
  const result = await post.post('/edges', {})
  t.match(result, { ok: false, status: 401, url: refusing })
  t.equal(otherHits, 0)
})

t.test('the edges manager\'s heartbeats and discovery\'s reports reach the second reporter while the first is dead', async (t) => {
  const dead = `http://127.0.0.1:${await freePort()}`
  const seen: string[] = []
  const live = await scriptedReporter(t, (req, _body, res) => { seen.push(req.url ?? ''); res.end('{}') })
  const beats = new HeartbeatClient({ urls: [dead, live], token: 'token-123456', log: capture().log, timeoutMs: 1000 })
  const reports = new ReporterClient({ urls: [dead, live], token: 'token-123456', log: capture().log, now: () => 0, timeoutMs: 1000 })
  t.teardown(async () => { await beats.close(); await reports.close() })
  t.equal(await beats.send([{ id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 0 }], 5000), true)
  t.equal(await reports.send({ signal: 'live01', packagers: [] } as never), true)
  t.same(seen, ['/edges', '/ingests'])
})
