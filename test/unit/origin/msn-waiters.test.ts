import t from 'tap'
import { MsnWaiters } from '../../../internal/origin/msn-waiters.js'

t.test('blocking reload waiters: released when their MSN is listed, false after the timeout', async (t) => {
  const waiters = new MsnWaiters()
  const early = waiters.wait(10, 5000)
  const later = waiters.wait(12, 5000)
  const timesOut = waiters.wait(99, 50)
  t.equal(waiters.size, 3)
  waiters.release(10)
  t.equal(await early, true, 'MSN 10 listed: released')
  t.equal(waiters.size, 2, 'MSN 12 still waits')
  t.equal(await timesOut, false, 'never listed: false after its timeout (the route answers 503)')
  waiters.release(13)
  t.equal(await later, true, 'a later MSN releases earlier waiters too')
  t.equal(waiters.size, 0)
})

t.test('releaseAll answers everyone at shutdown', async (t) => {
  const waiters = new MsnWaiters()
  const pending = [waiters.wait(1, 60_000), waiters.wait(2, 60_000)]
  waiters.releaseAll()
  t.same(await Promise.all(pending), [false, false])
  t.equal(waiters.size, 0)
})
