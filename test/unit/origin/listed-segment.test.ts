import t from 'tap'
import { fetchListedSegment } from '../../../internal/origin/listed-segment.js'
import { SegmentFetcher } from '../../../internal/origin/segment-fetcher.js'
import type { UpstreamClient, UpstreamResult } from '../../../internal/origin/upstream-client.js'

/** An upstream client whose answers the test scripts per call; counts the calls. */
function scriptedClient (answer: (call: number, url: string) => UpstreamResult): { client: UpstreamClient, calls: () => number } {
  let calls = 0
  const client = { get: async (url: string) => answer(calls++, url) } as unknown as UpstreamClient
  return { client, calls: () => calls }
}

const timeout: UpstreamResult = { ok: false, failure: 'timeout', detail: 'headers timeout' }
const notFound: UpstreamResult = { ok: false, failure: 'http_404', status: 404, detail: 'HTTP 404' }
const bytes: UpstreamResult = { ok: true, status: 200, body: Buffer.from('ts'), contentType: 'video/mp2t' }
const sources = [{ base: 'http://a', path: 'live01/hi/1.ts' }, { base: 'http://b', path: 'live01/hi/1.ts' }]

t.test('every packager silent for a while: the request is held and served once one answers', async (t) => {
  // rounds 1 and 2 time out on both packagers; b answers in round 3
  const { client, calls } = scriptedClient((call) => call < 4 ? timeout : bytes)
  const result = await fetchListedSegment(new SegmentFetcher(client, 1024 * 1024), 'live01/hi/1.ts', { sources: () => sources, deadline: Date.now() + 10_000, pauseMs: 5 })
  t.ok(result.ok, 'served')
  t.equal(calls(), 5, 'two failed rounds over both packagers, then the first answer')
})

t.test('bounded: past the deadline the failure is answered', async (t) => {
  const { client, calls } = scriptedClient(() => timeout)
  const result = await fetchListedSegment(new SegmentFetcher(client, 1024 * 1024), 'live01/hi/1.ts', { sources: () => sources, deadline: Date.now() + 60, pauseMs: 20 })
  t.notOk(result.ok)
  t.ok(calls() >= 2 && calls() <= 8, `a few rounds, then the answer (${calls()} calls)`)
})

t.test('a segment every packager answers 404 for is final: no second round', async (t) => {
  const { client, calls } = scriptedClient(() => notFound)
  const result = await fetchListedSegment(new SegmentFetcher(client, 1024 * 1024), 'live01/hi/1.ts', { sources: () => sources, deadline: Date.now() + 10_000, pauseMs: 5 })
  t.notOk(result.ok)
  t.equal(calls(), 2)
})

t.test('the candidates are asked for again each round: a packager that is back is tried', async (t) => {
  const { client } = scriptedClient((_call, url) => url.startsWith('http://b') ? bytes : timeout)
  let round = 0
  const result = await fetchListedSegment(new SegmentFetcher(client, 1024 * 1024), 'live01/hi/1.ts', {
    sources: () => (round++ === 0 ? sources.slice(0, 1) : sources),
    deadline: Date.now() + 10_000,
    pauseMs: 5
  })
  t.ok(result.ok && result.from === 'http://b', 'served by the packager offered in the second round')
})
