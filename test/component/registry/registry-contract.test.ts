// The one contract both registry backends keep (internal/registry/registry.ts): every case runs
// against the memory registry on a fake clock and against the Redis registry on a real
// redis-server this file starts. Time: the memory clock is moved; Redis is waited on, on a
// condition, for TTLs of a few hundred milliseconds.
import t, { type Test } from 'tap'
import { pino } from 'pino'
import { MemoryRegistry } from '../../../internal/registry/memory-registry.js'
import { RedisRegistry } from '../../../internal/registry/redis-registry.js'
import type { JsonValue, Registry } from '../../../internal/registry/registry.js'
import { parseRegistryUrl } from '../../../internal/registry/registry-url.js'
import { RedisServer } from '../../support/redis-server.js'
import { waitFor } from '../../support/wait-for.js'

interface Harness {
  readonly registry: Registry
  /** A TTL short enough to wait out. */
  readonly shortTtlMs: number
  /** After a short TTL has run out, `check` holds: the memory clock jumps, Redis is polled. */
  readonly eventually: (what: string, check: () => Promise<boolean>) => Promise<void>
  /** Lets a long time pass where it costs nothing (the memory clock); a no-op for Redis. */
  readonly passLongTime: () => void
}

interface Backend {
  readonly name: string
  /** Sets up what the backend needs for the whole group, torn down with `t`; answers a fresh registry per test. */
  readonly setup: (t: Test) => Promise<(t: Test) => Promise<Harness>>
}

const memory: Backend = {
  name: 'memory',
  setup: async () => async (t) => {
    let now = 1_000_000
    const registry = new MemoryRegistry({ now: () => now })
    t.teardown(async () => { await registry.close() })
    return {
      registry,
      shortTtlMs: 1000,
      eventually: async (what, check) => {
        now += 1000
        if (!await check()) throw new Error(`not true once the TTL passed: ${what}`)
      },
      passLongTime: () => { now += 365 * 24 * 3600 * 1000 }
    }
  }
}

const redis: Backend = {
  name: 'redis',
  setup: async (t) => {
    const server = await RedisServer.start()
    t.teardown(async () => { await server.stop() })
    const target = parseRegistryUrl(server.url)
    if (target.kind !== 'redis') throw new Error(`unexpected target ${target.kind}`)
    let tests = 0
    return async (t) => {
      // a prefix per test: no test sees another's keys, and nothing needs flushing
      const registry = new RedisRegistry(target, { log: pino({ level: 'silent' }), keyPrefix: `contract${++tests}:` })
      t.teardown(async () => { await registry.close() })
      await registry.start()
      return {
        registry,
        shortTtlMs: 300,
        eventually: async (what, check) => { await waitFor(what, check, { timeoutMs: 5000, intervalMs: 25 }) },
        passLongTime: () => {}
      }
    }
  }
}

const CASES: Array<[string, (t: Test, h: Harness) => Promise<void>]> = [
  ['put, get, list and remove; each kind is its own namespace', async (t, { registry }) => {
    await registry.put('ingest', [{ id: 'live01', value: { packagers: ['a'] } }, { id: 'live02', value: 2 }], 60_000)
    await registry.put('edge', [{ id: 'live01', value: 'an edge' }], 60_000)
    await registry.put('stream', [{ id: 'news', value: { renditions: [720, 480] } }])
    t.same((await registry.get('ingest', 'live01'))?.value, { packagers: ['a'] })
    t.same((await registry.get('edge', 'live01'))?.value, 'an edge', 'the same id in another kind is another record')
    t.equal(await registry.get('worker', 'live01'), undefined, 'a kind never written holds nothing')
    t.same((await registry.list('ingest')).map((r) => r.id), ['live01', 'live02'])
    t.same((await registry.list('edge')).map((r) => [r.id, r.value]), [['live01', 'an edge']])
    t.equal(await registry.remove('ingest', 'live01'), true)
    t.equal(await registry.remove('ingest', 'live01'), false, 'nothing left to remove')
    t.equal(await registry.remove('assignment', 'nothing'), false)
    t.equal(await registry.get('ingest', 'live01'), undefined)
    t.same((await registry.list('ingest')).map((r) => r.id), ['live02'])
    t.same((await registry.list('edge')).map((r) => r.id), ['live01'], 'removing from one kind leaves the other')
  }],

  ['list is sorted by id in code-unit order', async (t, { registry }) => {
    const ids = ['b', 'a-1', 'Z', '_x', 'a', 'B', '10', '9', 'ids']
    await registry.put('worker', ids.map((id) => ({ id, value: id })), 60_000)
    t.same((await registry.list('worker')).map((r) => r.id), ['10', '9', 'B', 'Z', '_x', 'a', 'a-1', 'b', 'ids'])
    t.same((await registry.get('worker', 'ids'))?.value, 'ids', "an id may be 'ids'")
  }],

  ['values are copies: neither the writer nor a reader shares an object', async (t, { registry }) => {
    const written = { nested: { list: [1, 2] }, flag: true }
    await registry.put('assignment', [{ id: 'a1', value: written }], 60_000)
    written.nested.list.push(3)
    const first = await registry.get('assignment', 'a1')
    t.same(first?.value, { nested: { list: [1, 2] }, flag: true }, "the writer's later change is not stored")
    ;((first?.value as { nested: { list: number[] } }).nested.list).push(4)
    const listed = await registry.list('assignment')
    t.same(listed[0]?.value, { nested: { list: [1, 2] }, flag: true }, "a reader's change is not stored")
    t.not(listed[0]?.value, first?.value)
  }],

  ['a TTL record expires; a hard record has no TTL and stays', async (t, h) => {
    const { registry } = h
    await registry.put('ingest', [{ id: 'soft', value: 1 }], h.shortTtlMs)
    await registry.put('ingest', [{ id: 'hard', value: 2 }])
    const soft = await registry.get('ingest', 'soft')
    t.ok(soft !== undefined && soft.expiresInMs !== undefined && soft.expiresInMs > 0 && soft.expiresInMs <= h.shortTtlMs, `expiresInMs ${soft?.expiresInMs} is within the TTL`)
    t.equal((await registry.get('ingest', 'hard'))?.expiresInMs, undefined)
    await h.eventually('the soft record to expire', async () => await registry.get('ingest', 'soft') === undefined)
    t.same((await registry.list('ingest')).map((r) => [r.id, r.expiresInMs]), [['hard', undefined]], 'list leaves out the expired one')
    t.equal(await registry.remove('ingest', 'soft'), false, 'an expired record is not there to remove')
    h.passLongTime()
    t.same(await registry.get('ingest', 'hard'), { id: 'hard', value: 2, expiresInMs: undefined })
  }],

  ['put replaces a record whole, TTL included', async (t, h) => {
    const { registry } = h
    await registry.put('stream', [{ id: 's', value: 'first' }], 60_000)
    await registry.put('stream', [{ id: 's', value: 'second' }])
    t.same(await registry.get('stream', 's'), { id: 's', value: 'second', expiresInMs: undefined }, 'soft, then hard: no TTL left')
    await registry.put('stream', [{ id: 's', value: { third: true } }], h.shortTtlMs)
    const soft = await registry.get('stream', 's')
    t.same(soft?.value, { third: true })
    t.ok(soft?.expiresInMs !== undefined && soft.expiresInMs <= h.shortTtlMs, 'hard, then soft: the new TTL')
    await h.eventually('the replaced record to expire', async () => await registry.get('stream', 's') === undefined)
  }],

  ['a put of several records is all or nothing', async (t, { registry }) => {
    await registry.put('edge', [{ id: 'kept', value: 'before' }], 60_000)
    const records = [
      { id: 'kept', value: 'after' },
      { id: 'new', value: 1 },
      { id: 'broken', value: undefined as unknown as JsonValue }
    ]
    await t.rejects(registry.put('edge', records, 60_000), TypeError)
    t.same((await registry.list('edge')).map((r) => [r.id, r.value]), [['kept', 'before']], 'no record of the refused put was written')
    await registry.put('edge', [], 60_000)
    t.same((await registry.list('edge')).map((r) => r.id), ['kept'], 'an empty put changes nothing')
  }],

  ['a lease is exclusive and renewed by its holder', async (t, h) => {
    const { registry } = h
    t.equal(await registry.acquireLease('assigner', 'a', h.shortTtlMs), true)
    t.equal(await registry.acquireLease('assigner', 'b', h.shortTtlMs), false, 'another holder is refused')
    // a reference lease taken after: once it has expired, so has the first term of 'assigner'
    t.equal(await registry.acquireLease('reference', 'r', h.shortTtlMs), true)
    t.equal(await registry.acquireLease('assigner', 'a', 60_000), true, 'the holder renews')
    t.equal(await registry.acquireLease('other', 'b', h.shortTtlMs), true, 'leases of other names are apart')
    await h.eventually('the reference lease to expire', async () => await registry.acquireLease('reference', 'x', h.shortTtlMs))
    t.equal(await registry.acquireLease('assigner', 'b', h.shortTtlMs), false, 'the renewal outlived the first term')
  }],

  ['an expired lease is taken by another; only the holder releases it', async (t, h) => {
    const { registry } = h
    t.equal(await registry.acquireLease('assigner', 'a', h.shortTtlMs), true)
    await h.eventually('the lease to pass to b', async () => await registry.acquireLease('assigner', 'b', 60_000))
    t.equal(await registry.acquireLease('assigner', 'a', 60_000), false, 'a lost it')
    await registry.releaseLease('assigner', 'a')
    t.equal(await registry.acquireLease('assigner', 'c', 60_000), false, "a's release does not end b's lease")
    await registry.releaseLease('assigner', 'b')
    t.equal(await registry.acquireLease('assigner', 'c', 60_000), true, "b's release does")
    await registry.releaseLease('nobody-held-this', 'c')
  }],

  ['close is idempotent; afterwards every operation rejects with REGISTRY_ERR_CLOSED', async (t, { registry }) => {
    await registry.put('ingest', [{ id: 'x', value: 1 }], 60_000)
    await registry.close()
    await registry.close()
    const closed = { code: 'REGISTRY_ERR_CLOSED', statusCode: 503 }
    await t.rejects(registry.put('ingest', [{ id: 'y', value: 1 }], 60_000), closed)
    await t.rejects(registry.get('ingest', 'x'), closed)
    await t.rejects(registry.list('ingest'), closed)
    await t.rejects(registry.remove('ingest', 'x'), closed)
    await t.rejects(registry.acquireLease('l', 'a', 1000), closed)
    await t.rejects(registry.releaseLease('l', 'a'), closed)
  }]
]

for (const backend of [memory, redis]) {
  t.test(`${backend.name} registry`, async (t) => {
    const open = await backend.setup(t)
    for (const [name, run] of CASES) {
      t.test(name, async (t) => { await run(t, await open(t)) })
    }
  })
}
