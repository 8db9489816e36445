import t, { type Test } from 'tap'
import Fastify, { type FastifyInstance } from 'fastify'
import { SegmentFetcher } from '../../../internal/origin/segment-fetcher.js'
import { UpstreamClient } from '../../../internal/origin/upstream-client.js'
import { freePort } from '../../support/free-port.js'

async function packager (t: Test, handler: (count: number) => { status: number, body?: string, reset?: boolean }): Promise<{ base: string, hits: () => number }> {
  let hits = 0
  const app: FastifyInstance = Fastify()
  app.get('/*', async (request, reply) => {
    hits += 1
    const answer = handler(hits)
    if (answer.reset === true) { request.raw.socket.destroy(); return await reply.hijack() }
    await new Promise((resolve) => setTimeout(resolve, 20))
    return await reply.code(answer.status).type('video/mp2t').send(answer.body ?? '')
  })
  await app.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await app.close() })
  const address = app.server.address()
  return { base: `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}`, hits: () => hits }
}

function fetcher (t: Test): SegmentFetcher {
  const client = new UpstreamClient({ connectTimeoutMs: 300, headersTimeoutMs: 500, bodyTimeoutMs: 500, maxBodyBytes: 1 << 20 })
  t.teardown(async () => { await client.close() })
  return new SegmentFetcher(client, 1 << 20)
}

t.test('fails over inside one request: reset, then 500, then 404, then a good source', async (t) => {
  const reset = await packager(t, () => ({ status: 200, reset: true }))
  const broken = await packager(t, () => ({ status: 500 }))
  const missing = await packager(t, () => ({ status: 404 }))
  const good = await packager(t, () => ({ status: 200, body: 'ts-bytes' }))
  const dead = `http://127.0.0.1:${await freePort()}`
  const result = await fetcher(t).fetch('live01/720p/1.ts', [dead, reset.base, broken.base, missing.base, good.base].map((base) => ({ base, path: 'live01/720p/1.ts' })))
  t.ok(result.ok)
  if (result.ok) {
    t.equal(result.body.toString(), 'ts-bytes')
    t.equal(result.from, good.base)
  }
})

t.test('concurrent requests share one upstream fetch, later ones come from memory', async (t) => {
  const good = await packager(t, () => ({ status: 200, body: 'x' }))
  const f = fetcher(t)
  const sources = [{ base: good.base, path: 'live01/720p/2.ts' }]
  const results = await Promise.all(Array.from({ length: 50 }, async () => await f.fetch('k', sources)))
  t.ok(results.every((r) => r.ok))
  t.equal(good.hits(), 1, 'one upstream fetch for 50 concurrent requests')
  const again = await f.fetch('k', sources)
  t.equal(again.ok && again.from, 'cache')
  t.equal(good.hits(), 1)
})

t.test('when every source fails, each attempt is reported', async (t) => {
  const broken = await packager(t, () => ({ status: 503 }))
  const missing = await packager(t, () => ({ status: 404 }))
  const result = await fetcher(t).fetch('k', [broken, missing].map((p) => ({ base: p.base, path: 'a.ts' })))
  t.equal(result.ok, false)
  if (!result.ok) t.same(result.attempts.map((a) => a.failure), ['http_5xx', 'http_404'])
})
