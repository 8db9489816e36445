import t from 'tap'
import { pino } from 'pino'
import { EncoderPool, type Encoder } from '../../../internal/worker/encoder-pool.js'
import { parseStreamDefinition, publicDefinition } from '../../../internal/streams/stream-definition.js'

const stream = (name: string, ladder = '240p:426x240:400'): ReturnType<typeof publicDefinition> =>
  publicDefinition(parseStreamDefinition({ name, source: { file: 'a.mp4' }, ladder }, 'test'))

function harness (options: { failing?: string[] } = {}): { pool: EncoderPool, log: string[], advance: (ms: number) => void } {
  let now = 0
  const log: string[] = []
  const build = (definition: ReturnType<typeof stream>): Encoder => ({
    start: async () => {
      log.push(`start ${definition.name}`)
      if (options.failing?.includes(definition.name) === true) throw new Error('input missing')
    },
    close: async () => { log.push(`close ${definition.name}`) }
  })
  const pool = new EncoderPool(build, pino({ level: 'silent' }), { stopGraceMs: 1000, now: () => now })
  return { pool, log, advance: (ms) => { now += ms } }
}

t.test('follows the assignment; an unassigned stream stops only after the grace', async (t) => {
  const { pool, log, advance } = harness()
  await pool.apply([stream('a'), stream('b', '720p:1280x720:3000,240p:426x240:400')])
  t.same(pool.names, ['a', 'b'])
  t.equal(pool.load, 3, 'one encode per rung')
  await pool.apply([stream('b', '720p:1280x720:3000,240p:426x240:400')])
  t.same(pool.names, ['a', 'b'], 'one answer without it does not stop it')
  advance(600)
  await pool.apply([stream('a'), stream('b', '720p:1280x720:3000,240p:426x240:400')])
  advance(600)
  await pool.apply([stream('b', '720p:1280x720:3000,240p:426x240:400')])
  t.same(pool.names, ['a', 'b'], 'assigned again in between: the grace starts over')
  advance(1000)
  await pool.apply([stream('b', '720p:1280x720:3000,240p:426x240:400')])
  t.same(pool.names, ['b'], 'unassigned for the whole grace: stopped')
  await pool.apply([stream('b')])
  t.same(log, ['start a', 'start b', 'close a', 'close b', 'start b'], 'a redefinition restarts at once')
  await pool.close()
  t.same(pool.names, [])
  t.equal(log.at(-1), 'close b')
})

t.test('an encoder that cannot start is dropped and retried only after a while', async (t) => {
  const { pool, log, advance } = harness({ failing: ['bad'] })
  await pool.apply([stream('bad')])
  await new Promise((resolve) => setImmediate(resolve))
  t.same(pool.names, [], 'not counted as running')
  await pool.apply([stream('bad')])
  t.same(log, ['start bad', 'close bad'], 'not retried at once')
  advance(30_000)
  await pool.apply([stream('bad')])
  t.same(log.filter((l) => l === 'start bad').length, 2, 'retried after 30 s')
  await pool.close()
})
