import t from 'tap'
import { MsnWaiters, playlistPosition as at } from '../../../internal/origin/msn-waiters.js'

t.test('blocking reload waiters: released when their MSN is listed, false after the timeout', async (t) => {
  const waiters = new MsnWaiters()
  const early = waiters.wait('720p', at(10), 5000)
  const later = waiters.wait('720p', at(12), 5000)
  const timesOut = waiters.wait('720p', at(99), 50)
  t.equal(waiters.size, 3)
  waiters.release('720p', at(10))
  t.equal(await early, true, 'MSN 10 listed: released')
  t.equal(waiters.size, 2, 'MSN 12 still waits')
  t.equal(await timesOut, false, 'never listed: false after its timeout (the route answers 503)')
  waiters.release('720p', at(13))
  t.equal(await later, true, 'a later MSN releases earlier waiters too')
  t.equal(waiters.size, 0)
})

t.test('parts: part P of M releases _HLS_part<=P of M; only the whole segment releases a plain _HLS_msn=M', async (t) => {
  const waiters = new MsnWaiters()
  const part1 = waiters.wait('720p', at(20, 1), 5000)
  const whole = waiters.wait('720p', at(20), 5000)
  const other = waiters.wait('480p', at(20, 0), 5000)
  waiters.release('720p', at(20, 2))
  t.equal(await part1, true)
  t.equal(waiters.size, 2, 'the whole segment and the other rendition still wait')
  waiters.release('720p', at(21, 0))
  t.equal(await whole, true, 'a part of the next segment means this one is whole')
  waiters.releaseAll()
  t.equal(await other, false)
  t.ok(at(19) < at(20, 0) && at(20, 0) < at(20, 5) && at(20, 5) < at(20), 'positions only grow')
})

t.test('releaseAll answers everyone at shutdown', async (t) => {
  const waiters = new MsnWaiters()
  const pending = [waiters.wait('a', at(1), 60_000), waiters.wait('a', at(2), 60_000)]
  waiters.releaseAll()
  t.same(await Promise.all(pending), [false, false])
  t.equal(waiters.size, 0)
})
