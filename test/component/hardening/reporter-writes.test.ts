import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../../internal/reporter/reporter-service.js'
import { compiledServiceArgs } from '../../support/compiled-services.js'

const TOKEN = 'hardening-token-0123456789'
const AUTH = { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' }
const INGEST = { signal: 'live01', packagers: [{ url: 'http://127.0.0.1:8080', healthy: true, reason: 'ok' }] }
const EDGES = { edges: [{ id: 'edge-1', url: 'http://127.0.0.1:8101', load_rps: 1 }] }

// Both write routes of a real reporter on a real port, over HTTP: every refusal must leave the
// stores exactly as they were.
t.test('POST /ingests and /edges: token, size limit and schema, and nothing changes on refusal', async (t) => {
  const service = new ReporterService(loadReporterConfig({ REPORTER_PORT: '0', REPORTER_TOKEN: TOKEN }), pino({ level: 'silent' }))
  t.teardown(async () => { await service.close() })
  await service.start()
  const base = `http://127.0.0.1:${service.port}`
  const post = async (route: string, body: string, headers: Record<string, string> = AUTH): Promise<{ status: number, error: string, message: string }> => {
    const res = await fetch(`${base}${route}`, { method: 'POST', headers, body })
    const text = await res.text()
    const json = JSON.parse(text) as { error?: string, message?: string }
    return { status: res.status, error: json.error ?? '', message: json.message ?? '' }
  }
  const state = async (): Promise<string> => JSON.stringify([await (await fetch(`${base}/ingests`)).json(), await (await fetch(`${base}/edges`)).json()])
  t.equal((await post('/ingests', JSON.stringify(INGEST))).status, 200)
  t.equal((await post('/edges', JSON.stringify(EDGES))).status, 200)
  const before = await state()

  const poisoned = { signal: 'live01', packagers: [{ url: 'http://169.254.169.254', healthy: true, reason: 'ok' }] }
  const rogueEdge = { edges: [{ id: 'edge-1', url: 'http://attacker.example', load_rps: 0 }] }
  for (const [route, body] of [['/ingests', poisoned], ['/edges', rogueEdge]] as const) {
    for (const headers of [{ 'content-type': 'application/json' }, { ...AUTH, authorization: 'Bearer wrong-token-0123456789' }, { ...AUTH, authorization: `bearer  ${TOKEN.slice(0, -1)}` }]) {
      const r = await post(route, JSON.stringify(body), headers)
      t.equal(r.status, 401, `${route} without the right token -> 401`)
      t.equal(r.error, 'REPORTER_ERR_UNAUTHORIZED')
    }
    const big = await post(route, JSON.stringify({ ...body, padding: 'x'.repeat(65 * 1024) }))
    t.equal(big.status, 413, `${route} over 64 KiB -> 413`)
    const plain = await post(route, JSON.stringify(body), { ...AUTH, 'content-type': 'text/plain' })
    // fastify reads text/plain as a string, which the object schema then refuses
    t.ok(plain.status === 400 || plain.status === 415, `${route} as text/plain -> ${plain.status}`)
    const proto = await post(route, `{"__proto__": {"polluted": true}, ${JSON.stringify(body).slice(1)}`)
    t.equal(proto.status, 400, `${route} with __proto__ -> 400 (${proto.message})`)
  }
  t.equal(({} as Record<string, unknown>).polluted, undefined, 'no prototype was polluted')

  // bad schema: 400 naming the field
  const fields: Array<[string, unknown, RegExp]> = [
    ['/ingests', { packagers: INGEST.packagers }, /^body must have required property 'signal'/],
    ['/ingests', { ...INGEST, signal: 'live01/../x' }, /^body\/signal must match pattern/],
    ['/ingests', { ...INGEST, packagers: [{ url: 'http://127.0.0.1:8080', healthy: true }] }, /^body\/packagers\/0 must have required property 'reason'/],
    ['/ingests', { ...INGEST, packagers: [{ ...INGEST.packagers[0], url: 'file:///etc/passwd' }] }, /^body\/packagers\/0\/url must match/],
    ['/ingests', { ...INGEST, packagers: [{ ...INGEST.packagers[0], url: `http://a/${'x'.repeat(3000)}` }] }, /^body\/packagers\/0\/url must NOT have more than 256 characters/],
    ['/ingests', { ...INGEST, packagers: Array.from({ length: 65 }, (_, i) => ({ ...INGEST.packagers[0], url: `http://127.0.0.1:${9000 + i}` })) }, /^body\/packagers must NOT have more than 64 items/],
    ['/ingests', { ...INGEST, ttl_ms: 10 * 3_600_000 }, /^body\/ttl_ms must be <= 3600000/],
    ['/edges', {}, /^body must have required property 'edges'/],
    ['/edges', { edges: [{ id: 'e', url: 'http://127.0.0.1:8101' }] }, /^body\/edges\/0 must have required property 'load_rps'/],
    ['/edges', { edges: [{ id: 'e', url: 'javascript:alert(1)', load_rps: 0 }] }, /^body\/edges\/0\/url must match pattern/],
    ['/edges', { edges: [{ id: 'e', url: 'http://user:pw@127.0.0.1:8101', load_rps: 0 }] }, /^body\/edges\/0\/url: .*must not carry credentials/],
    ['/edges', { edges: [{ id: 'e', url: 'http://127.0.0.1:8101/?x=1', load_rps: 0 }] }, /^body\/edges\/0\/url: .*must not carry credentials, a query/],
    ['/edges', { edges: [{ id: 'e', url: 'http://127.0.0.1:8101', load_rps: 'lots' }] }, /^body\/edges\/0\/load_rps must be number/],
    ['/edges', { edges: Array.from({ length: 257 }, (_, i) => ({ id: `e${i}`, url: `http://127.0.0.1:${9000 + i}`, load_rps: 0 })) }, /^body\/edges must NOT have more than 256 items/]
  ]
  for (const [route, body, message] of fields) {
    const r = await post(route, JSON.stringify(body))
    t.equal(r.status, 400, `${route}: ${r.message.slice(0, 100)}`)
    t.match(r.message, message)
  }
  t.equal(await state(), before, 'no refused write changed GET /ingests or GET /edges')
})

t.test('the reporter entrypoint refuses to start token-less on a non-loopback host', async (t) => {
  const run = promisify(execFile)
  const env: NodeJS.ProcessEnv = { ...process.env, HOST: '0.0.0.0', REPORTER_PORT: '0', LOG_PRETTY: '0' }
  for (const variable of ['REPORTER_TOKEN', 'REPORTER_DISCOVERY_TOKEN', 'REPORTER_EDGES_TOKEN']) delete env[variable]
  delete env.NODE_OPTIONS
  // a reporter that did start would listen until the timeout kills it: that fails the test too
  const result = await run(process.execPath, await compiledServiceArgs('cmd/reporter/main.ts'), { env, timeout: 60_000 })
    .then(() => ({ code: 0, stderr: '' }), (err: { code: number | null, stderr: string }) => ({ code: err.code, stderr: err.stderr }))
  t.equal(result.code, 2, 'exit code 2')
  t.match(result.stderr, /^reporter: invalid configuration: REPORTER_TOKEN: must be set when HOST is not a loopback address/)
  t.equal(result.stderr.trim().split('\n').length, 1, 'one line')
})
