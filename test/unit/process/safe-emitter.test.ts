import t from 'tap'
import { SafeEmitter } from '../../../internal/process/safe-emitter.js'

interface Events { tick: number, done: { readonly why: string } }
class Clock extends SafeEmitter<Events> {
  emit<K extends keyof Events>(event: K, data: Events[K]): void { this.safeEmit(event, data) }
}

t.test('listeners get their typed data; once fires once; off removes', async (t) => {
  const clock = new Clock()
  const ticks: number[] = []
  const once: number[] = []
  const off = (n: number): void => { ticks.push(-n) }
  clock.on('tick', (n) => ticks.push(n)).once('tick', (n) => once.push(n)).on('tick', off).off('tick', off)
  clock.emit('tick', 1)
  clock.emit('tick', 2)
  t.same(ticks, [1, 2])
  t.same(once, [1])
})

t.test('a throwing listener is reported and the others still run', async (t) => {
  const reported: string[] = []
  const clock = new Clock((err, event) => reported.push(`${event}: ${(err as Error).message}`))
  const seen: string[] = []
  clock.on('done', () => { throw new Error('bug') })
  clock.on('done', ({ why }) => seen.push(why))
  t.doesNotThrow(() => clock.emit('done', { why: 'exit' }))
  t.same(seen, ['exit'])
  t.same(reported, ['done: bug'])
})

t.test('an event nobody listens to is a no-op', async (t) => {
  t.doesNotThrow(() => new Clock().emit('tick', 1))
})
