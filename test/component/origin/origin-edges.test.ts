import t from 'tap'
import { STEERING_BUCKETS } from '../../../internal/origin/edge-pathways.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startScriptedReporter } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const uriLines = (text: string): string[] => text.split('\n').filter((l) => l !== '' && !l.startsWith('#'))
interface Steering { 'PATHWAY-PRIORITY': string[], 'RELOAD-URI'?: string, TTL: number }

t.test('players are offered the live edges as Content Steering pathways; media playlists stay relative', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  let edges = ['http://127.0.0.1:18101', 'http://127.0.0.1:18102', 'http://127.0.0.1:18103']
  const draining = new Set<string>()
  const loads = new Map<string, number>()
  const reporterUrl = await startScriptedReporter(t, {
    ingests: () => [{ signal: 'live01', packagers: [a.url, b.url], last_reported: new Date().toUTCString() }],
    edges: () => edges.map((url, i) => ({ id: `edge-${i}`, url, load_rps: loads.get(url) ?? 1, draining: draining.has(url) }))
  })
  const origin = await startOrigin(t, { packagers: [a.url, b.url], reporterUrl, env: { REPORTER_POLL_INTERVAL: '100ms' } })
  const entry = `${origin.url}/live01/playlist.m3u8`
  const steering = async (bucket: number): Promise<Steering> => (await (await fetch(`${origin.url}/live01/steering.json?b=${bucket}`)).json()) as Steering
  const offered = async (): Promise<Set<string>> => {
    const sets = await Promise.all(Array.from({ length: STEERING_BUCKETS }, async (_, i) => (await steering(i))['PATHWAY-PRIORITY'].join(',')))
    return new Set(sets)
  }
  const firstChoices = async (): Promise<string[]> => await Promise.all(Array.from({ length: STEERING_BUCKETS }, async (_, i) => (await steering(i))['PATHWAY-PRIORITY'][0] ?? ''))

  const master = await waitFor('a multivariant playlist with the edges as pathways', async () => {
    const res = await get(entry)
    return res.status === 200 && (res.text.match(/PATHWAY-ID=/g) ?? []).length === 3 * 2 + 1 ? res : undefined
  }, { timeoutMs: 10_000, intervalMs: 100 })
  t.equal(master.headers.get('x-accel-expires'), '0', 'an edge never keeps a multivariant playlist: it is made per player')
  const tag = /#EXT-X-CONTENT-STEERING:SERVER-URI="(http:\/\/127\.0\.0\.1:1810\d)\/live01\/steering\.json\?b=(\d)",PATHWAY-ID="(127\.0\.0\.1-1810\d)"/.exec(master.text)
  t.ok(tag !== null, 'the steering tag names an edge and the player\'s bucket')
  t.not(tag?.[1]?.slice(-4), tag?.[3]?.slice(-4), 'the steering server is not the edge the player starts on')
  t.ok(uriLines(master.text).every((l) => /^http:\/\/127\.0\.0\.1:1810[123]\/live01\/(hi|lo)\/playlist\.m3u8$/.test(l)), 'every variant is on an edge')
  const starts = new Set<string>()
  for (let i = 0; i < 40; i++) starts.add(/PATHWAY-ID="([^"]+)"/.exec((await get(entry)).text)?.[1] ?? '')
  t.equal(starts.size, 3, `40 players start on all 3 edges (${[...starts].join(' ')})`)

  // media playlists: relative URIs, whatever the edges do, so any edge or replica serves the same bytes
  const media = await get(`${origin.url}/live01/hi/playlist.m3u8`)
  t.ok(uriLines(media.text).length >= 3 && uriLines(media.text).every((l) => /^\d+\.ts$/.test(l)), 'segment URIs are relative')
  t.equal(media.headers.get('x-accel-expires'), '1', 'an edge keeps a live playlist a second')
  const newest = Number(/(\d+)\.ts$/.exec(uriLines(media.text).at(-1) ?? '')?.[1])
  const blocking = await get(`${origin.url}/live01/hi/playlist.m3u8?_HLS_msn=${newest}`)
  t.ok(Number(blocking.headers.get('x-accel-expires')) >= 6, `a blocking reload's answer is final: kept longer (${blocking.headers.get('x-accel-expires') ?? ''} s)`)

  const first = await steering(0)
  t.equal(first.TTL, 2)
  t.equal(new Set(first['PATHWAY-PRIORITY']).size, 3, 'a bucket ranks all three edges')
  t.match(first['RELOAD-URI'] ?? '', /^http:\/\/127\.0\.0\.1:1810\d\/live01\/steering\.json\?b=0$/)
  t.equal(new Set(await firstChoices()).size, 3, 'the buckets start on all three edges')
  t.equal((await get(`${origin.url}/live01/steering.json?b=${STEERING_BUCKETS}`)).status, 400, 'a bucket that does not exist is refused')

  // a busy edge gets fewer new players
  loads.set('http://127.0.0.1:18103', 5000)
  const busy = await waitFor('the busy edge to start fewer buckets', async () => {
    const firsts = await firstChoices()
    return firsts.filter((f) => f.endsWith('18103')).length === 1 ? firsts : undefined
  }, { timeoutMs: 15_000, intervalMs: 250 })
  t.pass(`the busy edge starts 1 bucket of ${STEERING_BUCKETS} (${busy.join(' ')})`)
  loads.clear()

  // draining and gone edges leave every bucket's answer and every new multivariant playlist
  draining.add('http://127.0.0.1:18102')
  await waitFor('the draining edge to leave the answers', async () => [...await offered()].every((s) => !s.includes('18102')), { timeoutMs: 10_000, intervalMs: 100 })
  t.notMatch((await get(entry)).text, /18102/, 'a draining edge is in no new multivariant playlist')
  edges = edges.filter((e) => !e.endsWith('18103'))
  await waitFor('the gone edge to leave the answers', async () => [...await offered()].every((s) => s === '127.0.0.1-18101'), { timeoutMs: 10_000, intervalMs: 100 })
  t.pass('a gone edge leaves every answer')

  // no edge: the ladder as the packagers serve it, relative, on the origin
  edges = []
  const plain = await waitFor('the plain ladder', async () => {
    const res = await get(entry)
    return res.text.includes('CONTENT-STEERING') ? undefined : res
  }, { timeoutMs: 5000, intervalMs: 50 })
  t.same(uriLines(plain.text), ['hi/playlist.m3u8', 'lo/playlist.m3u8'], 'relative variants')
  t.equal((await get(`${origin.url}/live01/steering.json`)).status, 404, 'no steering answer without pathways')
  const metrics = (await get(`${origin.url}/metrics`)).text
  t.match(metrics, /^origin_edges\{[^}]*\} 0$/m, 'origin_edges follows the pathways offered')
})
