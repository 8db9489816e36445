// The Redis registry through Sentinel: when the master dies, the sentinels promote the replica
// and the client follows it by itself, with what was replicated before the death.
import t, { type Test } from 'tap'
import { pino, type Logger } from 'pino'
import { RedisRegistry } from '../../../internal/registry/redis-registry.js'
import { parseRegistryUrl } from '../../../internal/registry/registry-url.js'
import { withClient } from '../../support/redis-server.js'
import { startSentinelSet, type SentinelSet } from '../../support/redis-sentinel-set.js'
import { waitFor } from '../../support/wait-for.js'

interface Line { readonly level: number, readonly msg: string }

function capture (): { log: Logger, lines: Line[] } {
  const lines: Line[] = []
  return { log: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line) as Line) } }), lines }
}

// WAIT counts the replicas that have this connection's last write: a write of its own comes after
// the registry's in the one replication stream, so once it is acknowledged so is the registry's
async function replicated (masterPort: number): Promise<unknown> {
  return await withClient(masterPort, undefined, async (client) => {
    await client.set('test:marker', String(Date.now()))
    return await client.call('WAIT', '1', '2000')
  })
}

/** A Sentinel set and a started registry client on it, both stopped in teardown. */
async function sentinelRegistry (t: Test): Promise<{ set: SentinelSet, registry: RedisRegistry, lines: Line[] }> {
  const set = await startSentinelSet()
  t.teardown(async () => { await set.stop() })
  const target = parseRegistryUrl(set.url)
  if (target.kind !== 'sentinel') throw new Error(`unexpected target ${target.kind}`)
  const { log, lines } = capture()
  const registry = new RedisRegistry(target, { log })
  t.teardown(async () => { await registry.close() })
  await registry.start()
  return { set, registry, lines }
}

t.test('after the master is SIGKILLed the client follows the promoted replica', async (t) => {
  const { set, registry, lines } = await sentinelRegistry(t)
  let reconnects = 0
  registry.onReconnect(() => { reconnects++ })

  await registry.put('stream', [{ id: 'news', value: { renditions: [720, 480] } }])
  t.equal(await replicated(set.master.port), 1, 'the replica has the record before the master dies')

  const killedAt = Date.now()
  await set.master.kill('SIGKILL')
  await waitFor('a put and a get through the promoted replica', async () => {
    await registry.put('edge', [{ id: 'e1', value: 'after the failover' }], 60_000)
    return (await registry.get('edge', 'e1'))?.value === 'after the failover'
  }, { timeoutMs: 30_000, intervalMs: 100 })
  t.comment(`the registry worked again ${Date.now() - killedAt} ms after the kill`)

  // the client asked whichever sentinel knew first; the others learn of the switch from it
  await waitFor('the sentinels to name the replica as master', async () => await set.currentMasterPort() === set.replica.port, { timeoutMs: 15_000, intervalMs: 50 })
  t.same(await registry.get('stream', 'news'), { id: 'news', value: { renditions: [720, 480] }, expiresInMs: undefined }, 'the record written before the kill is there')
  t.ok(reconnects >= 1, 'onReconnect ran: writers re-announce what a promotion may have lost')
  t.equal(lines.filter((l) => l.msg === 'registry connection lost; reconnecting').length, 1, 'the loss is logged once')
  t.ok(lines.some((l) => l.msg === 'registry connection restored'), 'and the recovery')
})

t.test('after a manual failover, with the old master still up, writes go to the new master at once', async (t) => {
  const { set, registry, lines } = await sentinelRegistry(t)
  await registry.put('edge', [{ id: 'before', value: 1 }], 60_000)
  // Sentinel's manual failover does not wait for the replica to catch up: this write is on it first
  t.equal(await replicated(set.master.port), 1)

  t.equal(await withClient(set.sentinels[0]?.port ?? 0, undefined, async (client) => await client.call('SENTINEL', 'FAILOVER', set.masterName)), 'OK')
  await waitFor('the sentinels to name the replica as master', async () => await set.currentMasterPort() === set.replica.port, { timeoutMs: 15_000, intervalMs: 50 })
  // Sentinel turns the old master, still up and still answering as a master, into a replica only
  // some 10 s after the switch: a client that did not hear the switch would write there until then
  await waitFor('a put that lands on the new master', async () => {
    await registry.put('edge', [{ id: 'after', value: 2 }], 60_000)
    return await withClient(set.replica.port, undefined, async (client) => await client.exists('zdh:edge:after')) === 1
  }, { timeoutMs: 5000, intervalMs: 50 })
  t.ok(lines.some((l) => /^the sentinels moved the master to 127\.0\.0\.1:/.test(String((l as { reason?: unknown }).reason))), 'the loss is logged with its reason: the switch')
  t.same((await registry.get('edge', 'before'))?.value, 1, 'what was written before is on the new master')
})
