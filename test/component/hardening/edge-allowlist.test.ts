// Issue 11, case 1 (a): whatever the reporter lists, the origin puts segments (and, in signed mode,
// the viewer's exp/sig/st) only on edges in EDGE_ALLOWLIST, and never probes any other host.
import t from 'tap'
import Fastify from 'fastify'
import type { Test } from 'tap'
import type { AddressInfo } from 'node:net'
import { mintPlaybackToken, tokenQuery } from '../../../internal/auth/playback-signature.js'
import { allowlistIncludes } from '../../../internal/config/url-allowlist.js'
import { loadEdgesConfig } from '../../../internal/edges/edges-config.js'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startScriptedReporter } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const KEY = 'origin-signing-key-for-tests-0123456789'
const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))

/** A host that would gladly take viewers: counts every request it gets, health probes included. */
async function startRogueEdge (t: Test): Promise<{ url: string, hits: () => number }> {
  let hits = 0
  const app = Fastify()
  app.addHook('onRequest', async () => { hits += 1 })
  app.get('/*', async () => 'ok')
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  return { url: `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`, hits: () => hits }
}

t.test('signed mode: a rogue edge the reporter lists gets no segment, no token and no probe', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const rogue = await startRogueEdge(t)
  const good = await startRogueEdge(t)
  let reporterUp = true
  const reporterUrl = await startScriptedReporter(t, {
    ingests: () => {
      if (!reporterUp) throw new Error('away')
      return [{ signal: 'live01', packagers: [a.url, b.url], last_reported: new Date().toUTCString() }]
    },
    edges: () => {
      if (!reporterUp) throw new Error('away')
      // the rogue first, and again under the good edge's id: neither may win
      return [
        { id: 'aaa-rogue', url: rogue.url, load_rps: 0 },
        { id: 'edge-good', url: good.url, load_rps: 0 },
        { id: 'edge-good', url: 'http://attacker.example', load_rps: 0 }
      ]
    }
  })
  const origin = await startOrigin(t, {
    packagers: [a.url, b.url],
    reporterUrl,
    env: { SIGNING_KEY: KEY, REPORTER_POLL_INTERVAL: '100ms', EDGE_ALLOWLIST: good.url }
  })
  const token = mintPlaybackToken(KEY, 'live01', Math.floor(Date.now() / 1000) + 600)
  // players are offered the allowed edge alone as a pathway: the entry playlist's variants
  const url = `${origin.url}/live01/playlist.m3u8?${tokenQuery(token)}`
  const lines = await waitFor('variants on the allowed edge', async () => {
    const res = await get(url)
    const l = uriLines(res.text)
    return res.status === 200 && l.length >= 2 && l.every((x) => x.startsWith(`${good.url}/`)) ? l : undefined
  }, { timeoutMs: 15_000, intervalMs: 100 })
  for (let i = 0; i < 10; i++) {
    for (const line of uriLines((await get(url)).text)) t.equal(new URL(line).origin, good.url, `${line.slice(0, 60)}: only the allowed edge`)
    await new Promise((resolve) => setTimeout(resolve, 100))
  }
  t.ok(lines.every((l) => l.includes('sig=')), 'the allowed edge does get the viewer token')
  t.same(origin.service.status().edges.map((e) => e.url), [good.url], 'the status page lists only the allowed edge')

  // the reporter goes away: the origin probes the edges it knew, never the rogue
  reporterUp = false
  await waitFor('the allowed edge probed', async () => good.hits() > 0 ? true : undefined, { timeoutMs: 15_000, intervalMs: 100 })
  await new Promise((resolve) => setTimeout(resolve, 500))
  t.equal(rogue.hits(), 0, 'the rogue host got no request at all')
})

t.test("the default EDGE_ALLOWLIST is the edges manager's own range, read by its own rule", async (t) => {
  for (const env of [{}, { EDGES_BASE_PORT: '9201', EDGES_MAX: '10' }, { EDGE_PUBLIC_HOST: 'edges.internal', EDGES_PORT_SPAN: '8' }]) {
    const origin = loadOriginConfig(env)
    const edges = loadEdgesConfig(env)
    for (let port = edges.basePort; port < edges.basePort + edges.portSpan; port++) {
      if (!allowlistIncludes(origin.edgeAllowlist, `http://${edges.publicHost}:${port}`)) t.fail(`${JSON.stringify(env)}: port ${port} of the manager's range is refused`)
    }
    t.notOk(allowlistIncludes(origin.edgeAllowlist, `http://${edges.publicHost}:${edges.basePort + edges.portSpan}`), 'the port past the range is refused')
    t.notOk(allowlistIncludes(origin.edgeAllowlist, `http://evil.example:${edges.basePort}`), 'another host is refused')
    t.notOk(allowlistIncludes(origin.edgeAllowlist, `https://${edges.publicHost}:${edges.basePort}`), 'another scheme is refused')
  }
  const local = loadOriginConfig({}).edgeAllowlist
  t.ok(allowlistIncludes(local, 'http://127.0.0.1:8101') && allowlistIncludes(local, 'http://127.0.0.1:8124'), 'make run-local: 127.0.0.1:8101-8124')
})

t.test('EDGE_ALLOWLIST: hosts, ports and ranges; anything else stops the start with one line', async (t) => {
  const list = loadOriginConfig({ EDGE_ALLOWLIST: 'https://edge1.example.com, http://10.0.0.7:8101-8110,http://[::1]:9000' }).edgeAllowlist
  t.ok(allowlistIncludes(list, 'https://edge1.example.com'))
  t.ok(allowlistIncludes(list, 'https://EDGE1.example.com:443'))
  t.notOk(allowlistIncludes(list, 'http://edge1.example.com'))
  t.ok(allowlistIncludes(list, 'http://10.0.0.7:8110'))
  t.notOk(allowlistIncludes(list, 'http://10.0.0.7:8111'))
  t.ok(allowlistIncludes(list, 'http://[::1]:9000'))
  t.notOk(allowlistIncludes(list, 'http://user:pw@10.0.0.7:8101'), 'credentials never match')
  for (const bad of ['ftp://x', 'http://x/path', 'http://x:9-1', 'http://x:70000', 'http://u@x', ' , ']) {
    t.throws(() => loadOriginConfig({ EDGE_ALLOWLIST: bad }), /^EDGE_ALLOWLIST: /, `'${bad}' is refused`)
  }
})
