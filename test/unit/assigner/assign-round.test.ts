import t from 'tap'
import { planRound } from '../../../internal/assigner/assign-round.js'
import type { WorkerRecord } from '../../../internal/assigner/fleet-registry.js'
import { parseStreamDefinition } from '../../../internal/streams/stream-definition.js'

const stream = (name: string): ReturnType<typeof parseStreamDefinition> => parseStreamDefinition({ name, source: { file: 'a.mp4' }, ladder: '240p:426x240:400' }, 'test')
const worker = (id: string, running: string[] = [], extra: Partial<WorkerRecord> = {}): WorkerRecord =>
  ({ id, host: `host-${id}`, capacity: 2, stream_filter: null, packager: `http://${id}:8080`, load: running.length, running, last_seen: '2026-11-30T12:00:00.000Z', ...extra })

t.test('the assignment records are the previous placement', async (t) => {
  const plan = planRound({ streams: [stream('a')], workers: [worker('w1'), worker('w2'), worker('w3')], assignments: { a: ['w2', 'w3'] } })
  t.same(plan.assignment, { a: ['w2', 'w3'] }, 'sticky: nothing moves')
  t.same(plan.gone, [])
})

t.test('where the registry lost a record, what the live workers run stands in for it', async (t) => {
  const plan = planRound({ streams: [stream('a'), stream('b')], workers: [worker('w1'), worker('w2', ['a']), worker('w3', ['a'])], assignments: { b: ['w1'] } })
  t.same(plan.assignment.a, ['w2', 'w3'], 'a stays where it runs')
  t.ok(plan.assignment.b?.includes('w1'))
})

t.test('filters are regular expressions over names; records of deleted streams are gone', async (t) => {
  const plan = planRound({ streams: [stream('room1'), stream('stage1')], workers: [worker('w1', [], { stream_filter: '^stage' }), worker('w2'), worker('w3')], assignments: { old: ['w1'] } })
  t.notOk(plan.assignment.room1?.includes('w1'), 'w1 takes no room')
  t.same(plan.gone, ['old'])
  t.same(Object.keys(plan.assignment).sort(), ['room1', 'stage1'])
})
