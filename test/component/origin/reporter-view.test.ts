import t from 'tap'
import Fastify from 'fastify'
import { pino } from 'pino'
import { parseIngests, ReporterView } from '../../../internal/origin/reporter-view.js'
import { UpstreamClient } from '../../../internal/origin/upstream-client.js'
import { waitFor } from '../../support/wait-for.js'

const ALLOW = ['http://localhost:8080', 'http://localhost:9090']

t.test('only allow-listed packagers and well-named signals survive (SSRF guard)', async (t) => {
  const view = parseIngests([
    { signal: 'live01', packagers: ['http://localhost:8080/', 'http://169.254.169.254', 'http://localhost:9090'], last_reported: 'x' },
    { signal: '../etc', packagers: ['http://localhost:8080'] },
    { signal: 'live02', packagers: 'nope' },
    'garbage'
  ], ALLOW)
  t.same([...(view ?? new Map())], [['live01', ['http://localhost:8080', 'http://localhost:9090']]])
  t.equal(parseIngests({ not: 'an array' }, ALLOW), undefined)
  t.same([...(parseIngests([], ALLOW) ?? new Map([['x', []]]))], [], '[] means nothing is live')
})

t.test('keeps the last view while the reporter is down, and follows it when it returns', async (t) => {
  let answer: unknown = [{ signal: 'live01', packagers: ['http://localhost:8080'] }]
  let up = true
  const reporter = Fastify()
  reporter.get('/ingests', async (_req, reply) => up ? answer : await reply.code(500).send('down'))
  await reporter.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await reporter.close() })
  const address = reporter.server.address()
  const port = typeof address === 'object' && address !== null ? address.port : 0

  const client = new UpstreamClient({ connectTimeoutMs: 300, headersTimeoutMs: 300, bodyTimeoutMs: 300, maxBodyBytes: 65536 })
  const changes: number[] = []
  const view = new ReporterView({ reporterUrls: [`http://127.0.0.1:${port}`], allowlist: ALLOW, pollMs: 50 }, client, pino({ level: 'silent' }), (v) => changes.push(v.size))
  view.start()
  t.teardown(async () => { await view.close(); await client.close() })

  await waitFor('first view', () => view.current.get('live01')?.length === 1)
  t.ok(view.isReachable)
  up = false
  await waitFor('reporter seen as down', () => !view.isReachable)
  t.same(view.current.get('live01'), ['http://localhost:8080'], 'last view kept while down')
  answer = [{ signal: 'live01', packagers: ['http://localhost:8080', 'http://localhost:9090'] }]
  up = true
  await waitFor('new view', () => view.current.get('live01')?.length === 2)
  t.same(changes, [1, 1], 'a change is reported once per change, not per poll')
})

t.test('edges: only plain http(s) origins are kept, sorted, de-duplicated', async (t) => {
  const { parseEdges } = await import('../../../internal/origin/reporter-view.js')
  t.same(parseEdges([
    { id: 'b', url: 'http://127.0.0.1:8102' },
    { id: 'a', url: 'http://127.0.0.1:8101/' },
    { id: 'dup', url: 'http://127.0.0.1:8101' },
    { id: 'path', url: 'http://127.0.0.1:8103/x' },
    { id: 'creds', url: 'http://u:p@127.0.0.1:8104' },
    { id: 'js', url: 'javascript:alert(1)' },
    { id: 'none' }
  ]), ['http://127.0.0.1:8101', 'http://127.0.0.1:8102'])
  t.equal(parseEdges({}), undefined)
})

t.test('several reporters: while the first is down the view comes from the next, and stays there', async (t) => {
  const start = async (ingests: () => unknown): Promise<{ url: string, hits: () => number, close: () => Promise<void> }> => {
    let hits = 0
    const app = Fastify()
    app.get('/ingests', async (_req, reply) => { hits++; const body = ingests(); return body === undefined ? await reply.code(503).send('registry away') : body })
    app.get('/edges', async () => [])
    await app.listen({ port: 0, host: '127.0.0.1' })
    const address = app.server.address()
    return { url: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, hits: () => hits, close: async () => { await app.close() } }
  }
  let firstUp = false
  const first = await start(() => firstUp ? [{ signal: 'live01', packagers: ['http://localhost:8080'] }] : undefined)
  const second = await start(() => [{ signal: 'live01', packagers: ['http://localhost:9090'] }])
  t.teardown(async () => { await first.close(); await second.close() })
  const client = new UpstreamClient({ connectTimeoutMs: 300, headersTimeoutMs: 300, bodyTimeoutMs: 300, maxBodyBytes: 65536 })
  const view = new ReporterView({ reporterUrls: [first.url, second.url], allowlist: ALLOW, pollMs: 50 }, client, pino({ level: 'silent' }))
  view.start()
  t.teardown(async () => { await view.close(); await client.close() })
  await waitFor('the second reporter\'s view', () => view.current.get('live01')?.[0] === 'http://localhost:9090')
  t.ok(view.isReachable, 'one reporter answering is the reporter reachable')
  firstUp = true
  const firstHits = first.hits()
  const secondHits = second.hits()
  await waitFor('a few more polls', () => second.hits() >= secondHits + 3)
  t.equal(first.hits(), firstHits, 'it stays with the reporter that answered')
})
