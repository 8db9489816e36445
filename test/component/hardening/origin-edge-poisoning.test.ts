import t from 'tap'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startScriptedReporter } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

// Edge URLs a poisoned reporter could hand out; none may ever become a segment URI's host.
const POISON = [
  'javascript:alert(document.cookie)//',
  'JaVaScRiPt:alert(1)',
  'data:text/html,<script>alert(1)</script>',
  'file:///etc/passwd',
  'file://127.0.0.1/etc/passwd',
  'http://user:secret@127.0.0.1:18201',
  'http://:secret@127.0.0.1:18202',
  'http://127.0.0.1:18203/evil/',
  'http://127.0.0.1:18204/?redirect=http://evil',
  'http://127.0.0.1:18205/#frag',
  'ftp://127.0.0.1:18206',
  'gopher://127.0.0.1:18207',
  '//127.0.0.1:18208',
  '127.0.0.1:18209',
  'http://127.0.0.1:18210\r\nX-Injected: 1',
  'http://127.0.0.1:18212\\@evil.example'
]
// these parse (WHATWG URL) to a bare http origin: harmless, the URI path stays the origin's own
const PLAIN_SPELLINGS = ['http://127.0.0.1:18211/%2e%2e/', ' http://127.0.0.1:18213 ', 'http://127.0.0.1:18215/?']
const GOOD = 'http://127.0.0.1:18299'
const ACCEPTED = /^http:\/\/127\.0\.0\.1:(18299|18211|18213|18215)\/live01\/(hi|lo)\/playlist\.m3u8$/

t.test('a reporter listing javascript:, file:, credential, path or query edge URLs: none reaches a playlist', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  let edges: unknown[] = [...[...POISON, ...PLAIN_SPELLINGS].map((url, i) => ({ id: `e-${i}`, url, load_rps: 0 })), { id: 'good', url: GOOD, load_rps: 0 }]
  let edgePolls = 0
  const reporterUrl = await startScriptedReporter(t, {
    ingests: () => [{
      signal: 'live01',
      // credentials on an allow-listed host must not slip past the allow-list either
      packagers: [a.url, b.url, a.url.replace('http://', 'http://user:pw@'), 'http://169.254.169.254'],
      last_reported: new Date().toUTCString()
    }],
    edges: () => { edgePolls += 1; return edges }
  })
  const origin = await startOrigin(t, {
    packagers: [a.url, b.url],
    reporterUrl,
    env: { REPORTER_POLL_INTERVAL: '100ms' }
  })
  // the entry playlist offers the plain edges as pathways, each variant on one
  const url = `${origin.url}/live01/playlist.m3u8`
  const lines = await waitFor('variants on edges', async () => {
    const res = await get(url)
    const l = uriLines(res.text)
    return res.status === 200 && l.length >= 2 && l.every((x) => x.startsWith('http://')) ? l : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  for (const line of lines) t.match(line, ACCEPTED, `${line}: a plain edge origin and the origin's own path`)

  // only poison left: the variants fall back to the origin itself, never onto a poisoned host
  edges = POISON.map((u, i) => ({ id: `bad-${i}`, url: u, load_rps: 0 }))
  const polls = edgePolls
  const fallback = await waitFor('URIs back on the origin', async () => {
    const l = uriLines((await get(url)).text)
    return edgePolls > polls + 3 && l.every((x) => /^(hi|lo)\/playlist\.m3u8$/.test(x)) ? l : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  t.ok(fallback.length >= 2, `${fallback.length} relative variant URIs`)
  const steering = await get(`${origin.url}/live01/steering.json`)
  for (const text of [(await get(url)).text, (await get(`${origin.url}/live01/hi/playlist.m3u8`)).text, (await get(`${origin.url}/live01/lo/playlist.m3u8`)).text, steering.text]) {
    t.notMatch(text, /javascript:|data:|file:|ftp:|gopher:|secret@|evil|X-Injected|182[0-9]{2}/i, 'no poisoned value in any playlist')
  }
  t.ok(edgePolls >= 5, `the origin read the poisoned edge list ${edgePolls} times`)
  const status = await get(`${origin.url}/healthz`)
  t.equal(status.status, 200)
})
