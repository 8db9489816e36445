import t from 'tap'
import { FailoverLog } from '../../../internal/origin/failover-log.js'

t.test('keeps the newest events only, newest first', async (t) => {
  const log = new FailoverLog(3)
  for (let i = 1; i <= 5; i++) log.record({ at: i, signal: 'live01', kind: 'failover', from: 'a', to: 'b' })
  t.same(log.recent().map((e) => e.at), [5, 4, 3])
  t.equal(log.recorded, 5, 'dropped events still counted')
})

t.test('recent() is a copy: callers cannot change the log', async (t) => {
  const log = new FailoverLog(2)
  log.record({ at: 1, signal: 'live01', kind: 'stitch' })
  log.recent().pop()
  t.equal(log.recent().length, 1)
})

t.test('refuses a capacity that is not a positive integer', async (t) => {
  t.throws(() => new FailoverLog(0), RangeError)
  t.throws(() => new FailoverLog(1.5), RangeError)
})
