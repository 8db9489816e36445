import t from 'tap'
import { IngestStore } from '../../../internal/reporter/ingest-store.js'
import { EdgeStore } from '../../../internal/reporter/edge-store.js'
import { MemoryRegistry } from '../../../internal/registry/memory-registry.js'

function fakeClock (start = Date.parse('2024-04-05T14:23:45Z')): { now: () => number, advance: (ms: number) => void } {
  let now = start
  return { now: () => now, advance: (ms) => { now += ms } }
}

const ok = (url: string, extra = {}): { url: string, healthy: boolean, reason: string } => ({ url, healthy: true, reason: 'ok', ...extra })
const bad = (url: string, reason: string): { url: string, healthy: boolean, reason: string } => ({ url, healthy: false, reason })

t.test('lists healthy packagers sorted by URL, with every reported packager in details', async (t) => {
  const clock = fakeClock()
  const store = new IngestStore({ registry: new MemoryRegistry({ now: clock.now }), now: clock.now, defaultTtlMs: 5000, maxTtlMs: 60_000, utcOffsetMinutes: -180 })
  t.ok(await store.report({
    signal: 'live01',
    packagers: [ok('http://localhost:9090', { media_sequence: 12, last_change: '2024-04-05T14:23:44.000Z', playlist_age_ms: 1000 }), bad('http://localhost:7070', 'refused'), ok('http://localhost:8080')]
  }))
  const list = await store.list()
  t.equal(list.length, 1)
  const view = list[0]!
  t.same(view.packagers, ['http://localhost:8080', 'http://localhost:9090'])
  t.equal(view.last_reported, 'Fri, 05 Apr 2024 11:23:45 -03')
  t.same(view.details.map((d) => [d.url, d.healthy, d.reason]), [
    ['http://localhost:7070', false, 'refused'], ['http://localhost:8080', true, 'ok'], ['http://localhost:9090', true, 'ok']
  ])
  t.same(view.details[2], { url: 'http://localhost:9090', healthy: true, reason: 'ok', media_sequence: 12, last_change: '2024-04-05T14:23:44.000Z', playlist_age_ms: 1000, reported_at: '2024-04-05T14:23:45.000Z' })
  t.equal(view.details[0]!.media_sequence, null, 'unknown values are null, not missing')
  t.same(await store.get('live01'), view)
})

t.test('a signal with no healthy packager is not live', async (t) => {
  const clock = fakeClock()
  const store = new IngestStore({ registry: new MemoryRegistry({ now: clock.now }), now: clock.now, defaultTtlMs: 5000, maxTtlMs: 60_000 })
  await store.report({ signal: 'dead', packagers: [bad('http://a:1', 'stale'), bad('http://b:2', 'timeout')] })
  t.same(await store.list(), [])
  t.equal(await store.get('dead'), undefined)
  await store.report({ signal: 'dead', packagers: [ok('http://b:2')] })
  t.same((await store.get('dead'))?.packagers, ['http://b:2'], 'per-packager updates merge')
  await store.report({ signal: 'dead', packagers: [bad('http://b:2', 'stale')] })
  t.equal(await store.get('dead'), undefined, 'a later unhealthy report replaces the healthy one')
})

t.test('reports expire after their TTL, capped by the maximum', async (t) => {
  const clock = fakeClock()
  const store = new IngestStore({ registry: new MemoryRegistry({ now: clock.now }), now: clock.now, defaultTtlMs: 5000, maxTtlMs: 20_000 })
  await store.report({ signal: 'a', packagers: [ok('http://p:1')] })
  await store.report({ signal: 'b', packagers: [ok('http://p:1')], ttl_ms: 1000 })
  await store.report({ signal: 'c', packagers: [ok('http://p:1')], ttl_ms: 3_600_000 })
  t.same((await store.list()).map((v) => v.signal), ['a', 'b', 'c'])
  clock.advance(1000)
  t.same((await store.list()).map((v) => v.signal), ['a', 'c'], 'b expired at exactly its ttl_ms')
  clock.advance(3999)
  t.same((await store.list()).map((v) => v.signal), ['a', 'c'])
  clock.advance(1)
  t.same((await store.list()).map((v) => v.signal), ['c'], 'a expired at the default TTL')
  clock.advance(15_000)
  t.same(await store.list(), [], 'c expired at the cap, not at its hour-long ttl_ms')
})

t.test('one packager expiring leaves the others of the signal; last_reported is the newest report', async (t) => {
  const clock = fakeClock()
  const store = new IngestStore({ registry: new MemoryRegistry({ now: clock.now }), now: clock.now, defaultTtlMs: 5000, maxTtlMs: 60_000, utcOffsetMinutes: 0 })
  await store.report({ signal: 's', packagers: [ok('http://p:1'), ok('http://p:2')] })
  clock.advance(3000)
  await store.report({ signal: 's', packagers: [ok('http://p:2')] })
  t.equal((await store.get('s'))?.last_reported, 'Fri, 05 Apr 2024 14:23:48 +00')
  clock.advance(2000)
  t.same((await store.get('s'))?.packagers, ['http://p:2'])
  t.equal((await store.get('s'))?.details.length, 1)
})

t.test('a full store refuses new keys without changing anything', async (t) => {
  const clock = fakeClock()
  const store = new IngestStore({ registry: new MemoryRegistry({ now: clock.now, maxRecordsPerKind: 2 }), now: clock.now, defaultTtlMs: 5000, maxTtlMs: 60_000 })
  t.ok(await store.report({ signal: 's', packagers: [ok('http://p:1'), ok('http://p:2')] }))
  t.notOk(await store.report({ signal: 't', packagers: [ok('http://p:1')] }))
  t.same((await store.list()).map((v) => v.signal), ['s'])
  t.ok(await store.report({ signal: 's', packagers: [bad('http://p:1', 'stale')] }), 'updating a known key still works')
  clock.advance(5000)
  t.ok(await store.report({ signal: 't', packagers: [ok('http://p:1')] }), 'room again once entries expired')
})

t.test('edges are upserted by id and expire', async (t) => {
  const clock = fakeClock()
  const store = new EdgeStore({ registry: new MemoryRegistry({ now: clock.now }), now: clock.now, defaultTtlMs: 3000, maxTtlMs: 10_000, utcOffsetMinutes: 0 })
  await store.report({ edges: [{ id: 'edge-8102', url: 'http://127.0.0.1:8102', load_rps: 1 }, { id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 2.5 }] })
  clock.advance(2000)
  await store.report({ edges: [{ id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 4 }] })
  t.same(await store.list(), [
    { id: 'edge-8101', url: 'http://127.0.0.1:8101', load_rps: 4, draining: false, last_reported: 'Fri, 05 Apr 2024 14:23:47 +00' },
    { id: 'edge-8102', url: 'http://127.0.0.1:8102', load_rps: 1, draining: false, last_reported: 'Fri, 05 Apr 2024 14:23:45 +00' }
  ])
  clock.advance(1000)
  t.same((await store.list()).map((e) => e.id), ['edge-8101'])
})

t.test('writer limits: signals, packagers per signal and edges; an id or URL held by a live record', async (t) => {
  let now = 0
  const limits = { maxSignals: 2, maxPackagersPerSignal: 2, maxEdges: 2 }
  const ingests = new IngestStore({ registry: new MemoryRegistry({ now: () => now }), now: () => now, defaultTtlMs: 1000, maxTtlMs: 1000, limits })
  const p = (url: string): { url: string, healthy: boolean, reason: string } => ({ url, healthy: true, reason: 'ok' })
  t.ok(await ingests.report({ signal: 'a', packagers: [p('http://p:1'), p('http://p:2')] }))
  t.same(await ingests.refusal({ signal: 'a', packagers: [p('http://p:3')] }), { limit: 'packagers', signal: 'a', count: 3, max: 2 })
  t.notOk(await ingests.report({ signal: 'a', packagers: [p('http://p:3')] }))
  t.ok(await ingests.report({ signal: 'b', packagers: [p('http://p:1')] }))
  t.same(await ingests.refusal({ signal: 'c', packagers: [p('http://p:1')] }), { limit: 'signals', max: 2 })
  t.equal(await ingests.refusal({ signal: 'b', packagers: [p('http://p:2')] }), undefined, 'a known signal may still grow')
  now = 1000
  t.equal(await ingests.refusal({ signal: 'c', packagers: [p('http://p:1')] }), undefined, 'room again once they expired')

  now = 0
  const edges = new EdgeStore({ registry: new MemoryRegistry({ now: () => now }), now: () => now, defaultTtlMs: 1000, maxTtlMs: 1000, limits })
  const e = (id: string, port: number): { id: string, url: string, load_rps: number } => ({ id, url: `http://e:${port}`, load_rps: 0 })
  t.ok(await edges.report({ edges: [e('e1', 1), e('e2', 2)] }))
  t.same(await edges.refusal({ edges: [e('e3', 3)] }), { limit: 'edges', max: 2 })
  t.same(await edges.refusal({ edges: [e('e1', 9)] }), { limit: 'taken', id: 'e1', url: 'http://e:9', heldBy: 'e1', heldUrl: 'http://e:1', expiresInMs: 1000 })
  t.same(await edges.refusal({ edges: [e('e9', 2)] }), { limit: 'taken', id: 'e9', url: 'http://e:2', heldBy: 'e2', heldUrl: 'http://e:2', expiresInMs: 1000 })
  t.equal(await edges.refusal({ edges: [e('e1', 1), e('e2', 2)] }), undefined, 'the owners keep beating')
  now = 1000
  t.equal(await edges.refusal({ edges: [e('e1', 9), e('e3', 3)] }), undefined, 'expired records hold nothing')
})
