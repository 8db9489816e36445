import t from 'tap'
import fc from 'fast-check'
import { bucketOwners, edgePathwayId, hostDiverse, edgePathways, edgeSteeredMaster, edgeSteeringAnswer, planEdges, rankForBucket, STEERING_BUCKETS, type EdgePathway } from '../../../internal/origin/edge-pathways.js'
import type { MasterPlaylist } from '../../../internal/hls/master-playlist.js'

const edge = (port: number, loadRps = 0): EdgePathway => ({ id: `127.0.0.1-${port}`, url: `http://127.0.0.1:${port}`, loadRps })
const MASTER: MasterPlaylist = { kind: 'master', independentSegments: true, variants: [{ uri: 'hi/playlist.m3u8', bandwidth: 2_000_000 }, { uri: 'lo/playlist.m3u8', bandwidth: 500_000 }] }

t.test('a pathway id names the edge by host and port, in the characters RFC 8216bis allows', async (t) => {
  t.equal(edgePathwayId('http://127.0.0.1:8101'), '127.0.0.1-8101')
  t.equal(edgePathwayId('http://edge-3.example.com'), 'edge_3.example.com-80')
  t.equal(edgePathwayId('https://[::1]:8443'), '___1_-8443')
  t.match(edgePathwayId('https://cdn.example'), /^[A-Za-z0-9._-]+$/)
})

t.test('draining edges are not offered; the rest are, sorted, with their loads', async (t) => {
  const offered = edgePathways([{ url: 'http://b:2', draining: false }, { url: 'http://a:1', draining: false }, { url: 'http://c:3', draining: true }], new Map([['http://a:1', 40]]))
  t.same(offered, [{ id: 'a-1', url: 'http://a:1', loadRps: 40 }, { id: 'b-2', url: 'http://b:2', loadRps: 0 }])
})

t.test('when every edge drains there is no other edge to move to: the draining ones stay offered', async (t) => {
  const offered = edgePathways([{ url: 'http://b:2', draining: true }, { url: 'http://a:1', draining: true }])
  t.same(offered.map((p) => p.id), ['a-1', 'b-2'], 'both, sorted')
  t.same(edgePathways([]), [], 'no edge at all: none')
  t.same(edgePathways([{ url: 'http://a:1', draining: true }, { url: 'http://b:2', draining: false }]).map((p) => p.id), ['b-2'], 'one open edge takes everyone')
})

const pathwaySets = fc.uniqueArray(fc.record({ port: fc.integer({ min: 1000, max: 1100 }), load: fc.integer({ min: 0, max: 5000 }) }), { minLength: 1, maxLength: 12, selector: (e) => e.port })
  .map((list) => list.map((e) => edge(e.port, e.load)).sort((a, b) => (a.url < b.url ? -1 : 1)))

t.test('property: every bucket has an owner, every edge owns a bucket, so players are never all on one edge', async (t) => {
  fc.assert(fc.property(pathwaySets, (pathways) => {
    const owners = bucketOwners(pathways)
    if (owners.length !== STEERING_BUCKETS) return false
    if (!owners.every((o) => pathways.some((p) => p.id === o))) return false
    return pathways.length > STEERING_BUCKETS || pathways.every((p) => owners.includes(p.id))
  }))
  t.pass('checked')
})

t.test('property: a bucket ranks every offered edge once, its owner first, the same on every replica', async (t) => {
  fc.assert(fc.property(pathwaySets, fc.integer({ min: 0, max: STEERING_BUCKETS - 1 }), (pathways, bucket) => {
    const owners = bucketOwners(pathways)
    const ranked = rankForBucket(pathways, bucket, owners)
    const again = rankForBucket([...pathways].reverse().sort((a, b) => (a.url < b.url ? -1 : 1)), bucket, bucketOwners(pathways))
    return ranked.length === pathways.length && new Set(ranked.map((p) => p.id)).size === pathways.length &&
      ranked[0]?.id === owners[bucket] && ranked.map((p) => p.id).join() === again.map((p) => p.id).join()
  }))
  t.pass('checked')
})

t.test('a busy edge is the first choice of fewer buckets than an idle one', async (t) => {
  const owners = bucketOwners([edge(1, 0), edge(2, 0), edge(3, 3000)])
  const count = (port: number): number => owners.filter((o) => o === `127.0.0.1-${port}`).length
  t.ok(count(3) < count(1) && count(3) < count(2), `owners ${owners.join(' ')}`)
  t.ok(count(3) >= 1, 'but still one, so a new edge fills up')
  const even = bucketOwners([edge(1), edge(2)])
  t.same([even.filter((o) => o.endsWith('1')).length, even.filter((o) => o.endsWith('2')).length], [4, 4], 'equal loads split the buckets evenly')
  t.not(even[0], even[1], 'interleaved, not in runs')
})

t.test('a bucket\'s multivariant playlist: the ladder once per edge, its own edge first, steering on another edge', async (t) => {
  const plan = planEdges([{ url: 'http://127.0.0.1:2', draining: false }, { url: 'http://127.0.0.1:1', draining: false }])
  const ranked = rankForBucket(plan.pathways, 3, plan.owners)
  const master = edgeSteeredMaster(MASTER, 'live01', ranked, 3)
  t.equal(master.variants.length, 4)
  t.same(master.variants.map((v) => v.pathwayId), [ranked[0]?.id, ranked[0]?.id, ranked[1]?.id, ranked[1]?.id])
  t.equal(master.variants[0]?.uri, `${ranked[0]?.url ?? ''}/live01/hi/playlist.m3u8`)
  t.same(master.contentSteering, { serverUri: `${ranked[1]?.url ?? ''}/live01/steering.json?b=3`, pathwayId: ranked[0]?.id })
  t.same(edgeSteeredMaster(MASTER, 'live01', [], 0), MASTER, 'no edge: the ladder as it is')
  const answer = edgeSteeringAnswer('live01', plan, 3)
  t.same(answer, { VERSION: 1, TTL: 2, 'RELOAD-URI': `${ranked[1]?.url ?? ''}/live01/steering.json?b=3`, 'PATHWAY-PRIORITY': ranked.map((p) => p.id) })
  const alone = planEdges([{ url: 'http://127.0.0.1:1', draining: false }])
  t.equal(edgeSteeringAnswer('live01', alone, 5)['RELOAD-URI'], 'http://127.0.0.1:1/live01/steering.json?b=5', 'one edge steers itself')
})

t.test('origin replicas (ORIGIN_PATHWAYS) follow the bucket\'s edge, host by host; the steering server stays an edge', async (t) => {
  const plan = planEdges([{ url: 'http://10.0.0.5:8101', draining: false }, { url: 'http://10.0.0.5:8102', draining: false }])
  const ranked = rankForBucket(plan.pathways, 1, plan.owners)
  const origins = [{ id: 'a', url: 'http://10.0.0.3:8001' }, { id: 'b', url: 'http://10.0.0.4:8001' }]
  const master = edgeSteeredMaster(MASTER, 'live01', ranked, 1, origins)
  // both edges share a host: a player that loses its edge tries the replicas before the edge beside it
  t.same([...new Set(master.variants.map((v) => v.pathwayId))], [ranked[0]?.id, 'a', 'b', ranked[1]?.id])
  t.equal(master.variants.at(-1)?.uri, `${ranked[1]?.url ?? ''}/live01/lo/playlist.m3u8`)
  t.equal(master.contentSteering?.serverUri, `${ranked[1]?.url ?? ''}/live01/steering.json?b=1`, 'steering stays on an edge')
  t.same(edgeSteeringAnswer('live01', plan, 1, origins)['PATHWAY-PRIORITY'], [ranked[0]?.id, 'a', 'b', ranked[1]?.id])
  t.same(edgeSteeredMaster(MASTER, 'live01', [], 1, origins), MASTER, 'no edge: the edge plan offers nothing (the replicas steer themselves)')
})

t.test('the next pathway is on another host: one host going dark costs a player one timeout', async (t) => {
  const p = (url: string): { id: string, url: string } => ({ id: edgePathwayId(url), url })
  const order = hostDiverse([p('http://10.0.0.7:8101'), p('http://10.0.0.7:8102'), p('http://10.0.0.5:8001'), p('http://10.0.0.6:8001')])
  t.same(order.map((x) => x.url), ['http://10.0.0.7:8101', 'http://10.0.0.5:8001', 'http://10.0.0.6:8001', 'http://10.0.0.7:8102'])
  fc.assert(fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 8000, max: 8100 })), { minLength: 1, maxLength: 12 }), (pairs) => {
    const input = [...new Map(pairs.map(([h, port]) => [`http://10.0.0.${h}:${port}`, p(`http://10.0.0.${h}:${port}`)])).values()]
    const out = hostDiverse(input)
    const hosts = out.map((x) => new URL(x.url).hostname)
    const distinct = new Set(hosts).size
    // a permutation that keeps the first, and whose first `distinct` entries are every host once
    return out.length === input.length && out[0] === input[0] && new Set(out).size === out.length && new Set(hosts.slice(0, distinct)).size === distinct
  }))
})

t.test('a few players\' own requests do not move their bucket: loads well under 100 rps count as equal', async (t) => {
  const idle = bucketOwners([edge(1), edge(2), edge(3)])
  // one LL-HLS player on edge 2: about 5 requests a second; five of them: 25
  for (const load of [5, 25]) t.same(bucketOwners([edge(1), edge(2, load), edge(3)]), idle, `${load} rps on one edge`)
  t.not(bucketOwners([edge(1), edge(2, 400), edge(3)]).join(), idle.join(), 'a real difference still moves buckets')
})
