import t from 'tap'
import { planEncoders } from '../../../internal/worker/encoder-plan.js'
import { publicDefinition, parseStreamDefinition } from '../../../internal/streams/stream-definition.js'

const stream = (name: string, extra: Record<string, unknown> = {}): ReturnType<typeof publicDefinition> =>
  publicDefinition(parseStreamDefinition({ name, source: { file: 'a.mp4' }, ladder: '240p:426x240:400', ...extra }, 'test'))

t.test('starts the newly assigned, stops the unassigned, leaves the rest running', async (t) => {
  const running = new Map([['a', stream('a')], ['b', stream('b')]])
  t.same(planEncoders(running, [stream('b'), stream('c')]), { start: [stream('c')], stop: ['a'] })
  t.same(planEncoders(running, [stream('a'), stream('b')]), { start: [], stop: [] })
  t.same(planEncoders(new Map(), []), { start: [], stop: [] })
})

t.test('a changed encoding restarts the stream; a changed redundancy or key does not', async (t) => {
  const running = new Map([['a', stream('a')]])
  t.same(planEncoders(running, [stream('a', { ladder: '360p:640x360:700' })]), { start: [stream('a', { ladder: '360p:640x360:700' })], stop: ['a'] })
  t.same(planEncoders(running, [stream('a', { segment_duration: 4 })]).stop, ['a'])
  t.same(planEncoders(running, [stream('a', { source: { file: 'b.mp4' } })]).stop, ['a'])
  t.same(planEncoders(running, [stream('a', { redundancy: 3, stream_key: 'a-new-key-1' })]), { start: [], stop: [] })
})
