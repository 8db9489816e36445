// What only the memory registry does; the behaviour both backends share is in
// test/component/registry/registry-contract.test.ts.
import t from 'tap'
import { MemoryRegistry } from '../../../internal/registry/memory-registry.js'

t.test('a put past maxRecordsPerKind writes nothing and rejects with REGISTRY_ERR_FULL', async (t) => {
  let now = 0
  const registry = new MemoryRegistry({ now: () => now, maxRecordsPerKind: 3 })
  await registry.put('ingest', [{ id: 'a', value: 1 }, { id: 'b', value: 1 }], 1000)
  await t.rejects(registry.put('ingest', [{ id: 'a', value: 2 }, { id: 'c', value: 2 }, { id: 'd', value: 2 }], 1000), {
    code: 'REGISTRY_ERR_FULL', statusCode: 503, message: 'the registry holds 3 ingest records, its most; wait for some to expire'
  })
  t.same((await registry.list('ingest')).map((r) => [r.id, r.value]), [['a', 1], ['b', 1]], 'not even the replacement of a was written')
  await registry.put('ingest', [{ id: 'a', value: 3 }, { id: 'b', value: 3 }, { id: 'c', value: 3 }, { id: 'c', value: 4 }], 1000)
  t.same((await registry.list('ingest')).map((r) => [r.id, r.value]), [['a', 3], ['b', 3], ['c', 4]], 'only new ids count, each once; the last write of an id wins')
  await registry.put('edge', [{ id: 'a', value: 1 }, { id: 'b', value: 1 }, { id: 'c', value: 1 }], 1000)
  t.equal((await registry.list('edge')).length, 3, 'the cap is per kind')
  now = 1000
  await registry.put('ingest', [{ id: 'x', value: 1 }, { id: 'y', value: 1 }, { id: 'z', value: 1 }], 1000)
  t.same((await registry.list('ingest')).map((r) => r.id), ['x', 'y', 'z'], 'expired records do not count')
})

t.test('a record is gone at expiresAt exactly; expiresInMs counts down on the injected clock', async (t) => {
  let now = 5000
  const registry = new MemoryRegistry({ now: () => now })
  await registry.put('worker', [{ id: 'w', value: null }], 1000)
  now = 5400
  t.same(await registry.get('worker', 'w'), { id: 'w', value: null, expiresInMs: 600 })
  now = 5999
  t.equal((await registry.get('worker', 'w'))?.expiresInMs, 1)
  now = 6000
  t.equal(await registry.get('worker', 'w'), undefined)
})

t.test('a lease ends at its expiry on the injected clock', async (t) => {
  let now = 0
  const registry = new MemoryRegistry({ now: () => now })
  t.equal(await registry.acquireLease('assigner', 'a', 1000), true)
  now = 999
  t.equal(await registry.acquireLease('assigner', 'b', 1000), false)
  now = 1000
  t.equal(await registry.acquireLease('assigner', 'b', 1000), true)
})

t.test('bad TTLs and values are refused the same on both backends (registry-values.ts)', async (t) => {
  const registry = new MemoryRegistry({ now: () => 0 })
  for (const ttl of [0, -1, Number.NaN, Number.POSITIVE_INFINITY]) {
    await t.rejects(registry.put('ingest', [{ id: 'a', value: 1 }], ttl), RangeError, `ttl ${ttl}`)
    await t.rejects(registry.acquireLease('l', 'a', ttl), RangeError, `lease ttl ${ttl}`)
  }
  await t.rejects(registry.put('ingest', [{ id: 'a', value: 1n as unknown as number }], 1000), TypeError, 'a BigInt is not JSON')
  await registry.put('ingest', [{ id: 'a', value: 1 }], 0.2)
  t.equal((await registry.get('ingest', 'a'))?.expiresInMs, 1, 'a fractional TTL is rounded up to whole milliseconds, as Redis takes it')
  t.throws(() => new MemoryRegistry({ maxRecordsPerKind: 0 }), RangeError)
})

t.test('onReconnect listeners are kept and never called; close is idempotent', async (t) => {
  const registry = new MemoryRegistry()
  let called = 0
  registry.onReconnect(() => { called++ })
  await registry.put('stream', [{ id: 's', value: 's' }])
  await registry.close()
  await registry.close()
  t.equal(called, 0)
  await t.rejects(registry.list('stream'), { code: 'REGISTRY_ERR_CLOSED' })
})
