import t from 'tap'
import { PathwayReachability, steeredMaster, steeringManifest } from '../../../internal/origin/content-steering.js'
import { readOriginPathways } from '../../../internal/origin/origin-pathways.js'
import { serializeMasterPlaylist } from '../../../internal/hls/playlist-serializer.js'
import type { MasterPlaylist } from '../../../internal/hls/master-playlist.js'
import { get, startOrigin, startPair } from '../../support/origin-harness.js'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { waitFor } from '../../support/wait-for.js'

const master: MasterPlaylist = {
  kind: 'master',
  version: 3,
  independentSegments: true,
  variants: [
    { uri: 'hi/playlist.m3u8', bandwidth: 1_200_000, resolution: { width: 1280, height: 720 }, codecs: 'avc1.4d401f,mp4a.40.2' },
    { uri: 'lo/playlist.m3u8', bandwidth: 600_000 }
  ]
}

t.test('ORIGIN_PATHWAYS: ids and URLs in order; a bad value names the variable', async (t) => {
  t.equal(readOriginPathways({}), undefined, 'unset: one origin')
  t.same(readOriginPathways({ ORIGIN_PATHWAYS: 'a=http://127.0.0.1:8001/, b=https://origin-b.example' }), [
    { id: 'a', url: 'http://127.0.0.1:8001' },
    { id: 'b', url: 'https://origin-b.example' }
  ])
  t.throws(() => readOriginPathways({ ORIGIN_PATHWAYS: 'a=http://x' }), /^ORIGIN_PATHWAYS: must list at least two/)
  t.throws(() => readOriginPathways({ ORIGIN_PATHWAYS: 'a=http://x,a=http://y' }), /^ORIGIN_PATHWAYS: pathway 'a' is listed twice/)
  t.throws(() => readOriginPathways({ ORIGIN_PATHWAYS: 'a b=http://x,c=http://y' }), /^ORIGIN_PATHWAYS: 'a b=http:\/\/x' must be <id>=<url>/)
  t.throws(() => readOriginPathways({ ORIGIN_PATHWAYS: 'http://x,http://y' }), /must be <id>=<url>/)
  t.throws(() => readOriginPathways({ ORIGIN_PATHWAYS: 'a=ftp://x,b=http://y' }), /^ORIGIN_PATHWAYS: 'ftp:\/\/x' is not an absolute http/)
})

t.test('the ladder once per replica, each copy a pathway with absolute URIs; the steering manifest keeps the order', async (t) => {
  const pathways = [{ id: 'a', url: 'http://127.0.0.1:8001' }, { id: 'b', url: 'http://127.0.0.1:8011' }]
  t.equal(serializeMasterPlaylist(steeredMaster(master, 'live01', pathways)), [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    '#EXT-X-INDEPENDENT-SEGMENTS',
    '#EXT-X-CONTENT-STEERING:SERVER-URI="http://127.0.0.1:8011/live01/steering.json",PATHWAY-ID="a"',
    '#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2",PATHWAY-ID="a"',
    'http://127.0.0.1:8001/live01/hi/playlist.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=600000,PATHWAY-ID="a"',
    'http://127.0.0.1:8001/live01/lo/playlist.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=1200000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2",PATHWAY-ID="b"',
    'http://127.0.0.1:8011/live01/hi/playlist.m3u8',
    '#EXT-X-STREAM-INF:BANDWIDTH=600000,PATHWAY-ID="b"',
    'http://127.0.0.1:8011/live01/lo/playlist.m3u8',
    ''
  ].join('\n'))
  t.same(steeringManifest(pathways, new Set()), { VERSION: 1, TTL: 2, 'PATHWAY-PRIORITY': ['a', 'b'] })
  t.same(steeringManifest([...pathways, { id: 'c', url: 'http://127.0.0.1:8021' }], new Set(['a']))['PATHWAY-PRIORITY'], ['b', 'c', 'a'], 'an unreachable replica is ranked last')
  t.equal(serializeMasterPlaylist(steeredMaster(master, 'live01', [])), serializeMasterPlaylist(master), 'no pathway: unchanged')
})

t.test('peer reachability: probed on demand, at most once per interval, a failed probe ranks the replica last', async (t) => {
  const pathways = [{ id: 'a', url: 'http://a' }, { id: 'b', url: 'http://b' }]
  let clock = 0
  const up = new Map([['http://a', true], ['http://b', true]])
  const probes: string[] = []
  const reach = new PathwayReachability(async (url) => { probes.push(url); return up.get(url) === true }, 1000, () => clock)
  const settle = async (): Promise<void> => { await new Promise((resolve) => setImmediate(resolve)) }
  t.same([...reach.unreachable(pathways)], [], 'nothing known yet: all reachable')
  await settle()
  t.same(probes, ['http://a', 'http://b'], 'the first ask probes each replica')
  up.set('http://a', false)
  clock = 500
  t.same([...reach.unreachable(pathways)], [])
  await settle()
  t.equal(probes.length, 2, 'no second probe within the interval')
  clock = 1500
  reach.unreachable(pathways)
  await settle()
  t.same([...reach.unreachable(pathways)], ['a'], 'a failed probe marks the replica')
  t.same(steeringManifest(pathways, reach.unreachable(pathways))['PATHWAY-PRIORITY'], ['b', 'a'])
})

t.test('two origin replicas serve byte-identical multivariant playlists and the steering manifest', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const pathways = 'one=http://127.0.0.1:18001,two=http://127.0.0.1:18011'
  const replicas = [
    await startOrigin(t, { packagers: [a.url, b.url], env: { ORIGIN_PATHWAYS: pathways } }),
    await startOrigin(t, { packagers: [a.url, b.url], env: { ORIGIN_PATHWAYS: pathways } })
  ]
  const masters = await Promise.all(replicas.map(async (origin) => await waitFor('the multivariant playlist', async () => {
    const res = await get(`${origin.url}/live01/playlist.m3u8`)
    return res.status === 200 ? res.text : undefined
  }, { timeoutMs: 10_000, intervalMs: 100 })))
  t.equal(masters[0], masters[1], 'byte-identical on both replicas')
  t.match(masters[0], /^#EXT-X-CONTENT-STEERING:SERVER-URI="http:\/\/127.0.0.1:18011\/live01\/steering.json",PATHWAY-ID="one"$/m, 'steering is asked of the last replica')
  t.equal(masters[0]?.match(/PATHWAY-ID="two"/g)?.length, 2, 'both renditions on the second pathway')
  const steering = await fetch(`${replicas[1]?.url ?? ''}/live01/steering.json?_HLS_pathway=one&_HLS_throughput=1000`)
  t.equal(steering.status, 200)
  t.equal(steering.headers.get('access-control-allow-origin'), '*')
  t.same(await steering.json(), { VERSION: 1, TTL: 2, 'PATHWAY-PRIORITY': ['one', 'two'] })
  t.equal((await fetch(`${replicas[0]?.url ?? ''}/..%2f/steering.json`)).status >= 400, true, 'a bad signal name is refused')
})

t.test('without ORIGIN_PATHWAYS there is no steering tag and no steering manifest', async (t) => {
  const { a, b } = await startPair(t)
  const origin = await startOrigin(t, { packagers: [a.url, b.url] })
  const text = await waitFor('the multivariant playlist', async () => {
    const res = await get(`${origin.url}/live01/playlist.m3u8`)
    return res.status === 200 ? res.text : undefined
  }, { timeoutMs: 10_000, intervalMs: 100 })
  t.notMatch(text, /CONTENT-STEERING|PATHWAY-ID/)
  const steering = await fetch(`${origin.url}/live01/steering.json`)
  t.equal(steering.status, 404, 'no steering answer without pathways')
  t.match(await steering.text(), /no edge or origin replica is offered as a Content Steering pathway/)
})
