import t from 'tap'
import { FleetRegistry } from '../../../internal/assigner/fleet-registry.js'
import { MemoryRegistry } from '../../../internal/registry/memory-registry.js'
import { parseStreamDefinition } from '../../../internal/streams/stream-definition.js'

const stream = (name: string): ReturnType<typeof parseStreamDefinition> => parseStreamDefinition({ name, source: { file: 'a.mp4' } }, 'test')

t.test('streams are hard records, read back checked; a hand-edited bad one is skipped', async (t) => {
  const registry = new MemoryRegistry({ now: () => 0 })
  const fleet = new FleetRegistry(registry)
  await fleet.putStreams([stream('a'), stream('b')])
  await registry.put('stream', [{ id: 'bad', value: { name: 'bad', redundancy: 99 } }])
  t.same((await fleet.streams()).map((s) => s.name), ['a', 'b'])
  t.equal((await fleet.stream('a'))?.redundancy, 2)
  t.equal(await fleet.stream('none'), undefined)
})

t.test('removing a stream removes its assignment; writing assignments drops the records of streams gone', async (t) => {
  let now = 0
  const fleet = new FleetRegistry(new MemoryRegistry({ now: () => now }))
  await fleet.putStreams([stream('a'), stream('b')])
  await fleet.writeAssignments({ a: ['w1'], b: ['w2'], c: ['w3'] }, 10_000, [])
  t.equal(await fleet.removeStream('a'), true)
  t.equal(await fleet.removeStream('a'), false)
  await fleet.writeAssignments({ b: ['w2', 'w1'] }, 10_000, ['c'])
  t.same(await fleet.assignments(), { b: ['w2', 'w1'] })
  now = 10_000
  t.same(await fleet.assignments(), {}, 'assignments expire unless an assigner refreshes them')
})

t.test('a worker\'s registration is read back by id and expires with its TTL', async (t) => {
  let now = 0
  const fleet = new FleetRegistry(new MemoryRegistry({ now: () => now }))
  const record = { id: 'w1', host: 'h', capacity: 3, stream_filter: null, packager: 'http://h:8081', load: 1, running: ['a'], last_seen: '2026-11-30T12:00:00.000Z' }
  await fleet.heartbeat(record, 4000)
  t.same(await fleet.worker('w1'), record)
  t.same(await fleet.workers(), [record])
  now = 4000
  t.equal(await fleet.worker('w1'), undefined)
})
