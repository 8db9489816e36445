import t from 'tap'
import { SingleFlight } from '../../../internal/origin/single-flight.js'

t.test('concurrent callers with one key share one run; the key is forgotten once it settles', async (t) => {
  const flights = new SingleFlight<string, number>()
  let runs = 0
  let release: (value: number) => void = () => {}
  const work = async (): Promise<number> => { runs += 1; return await new Promise<number>((resolve) => { release = resolve }) }
  const callers = Array.from({ length: 10 }, async () => await flights.run('seg', work))
  t.equal(flights.size, 1)
  release(42)
  t.same(await Promise.all(callers), Array(10).fill(42))
  t.equal(runs, 1, 'one run for ten callers')
  t.equal(flights.size, 0, 'forgotten after it settled')
  await flights.run('seg', async () => { runs += 1; return 1 })
  t.equal(runs, 2, 'a later call runs again (no stale result kept)')
})

t.test('a failure reaches every waiting caller and does not stick', async (t) => {
  const flights = new SingleFlight<string, number>()
  const failing = async (): Promise<number> => { throw new Error('upstream down') }
  const results = await Promise.allSettled([flights.run('k', failing), flights.run('k', failing)])
  t.same(results.map((r) => r.status), ['rejected', 'rejected'])
  t.equal(await flights.run('k', async () => 7), 7, 'the next call runs fresh')
})
