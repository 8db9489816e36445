import t from 'tap'
import { nextPoll } from '../../../internal/origin/rendition-poller.js'

const TD = 1000

t.test('a higher MSN (or the one asked for) is asked again at once with a blocking reload', async (t) => {
  t.same(nextPoll({ before: 10, newest: 11, blockFor: 11, rewoundAt: undefined, at: 0, targetMs: TD }), { blockFor: 12, waitMs: 0 })
  t.same(nextPoll({ before: undefined, newest: 11, blockFor: undefined, rewoundAt: undefined, at: 0, targetMs: TD }), { blockFor: 12, waitMs: 0 })
})

t.test('the same MSN waits half a target duration', async (t) => {
  t.same(nextPoll({ before: 11, newest: 11, blockFor: undefined, rewoundAt: undefined, at: 0, targetMs: TD }), { blockFor: 12, waitMs: TD / 2 })
})

t.test('a lower MSN is never a reason to ask again at once', async (t) => {
  t.same(nextPoll({ before: 50, newest: 10, blockFor: 51, rewoundAt: 0, at: 0, targetMs: TD }), { blockFor: undefined, waitMs: TD / 2 })
  // flipping back up right after is not progress either: no blocking reload until it has settled
  t.same(nextPoll({ before: 10, newest: 50, blockFor: undefined, rewoundAt: 0, at: 600, targetMs: TD }), { blockFor: undefined, waitMs: TD / 2 })
  t.same(nextPoll({ before: 2, newest: 3, blockFor: undefined, rewoundAt: 0, at: 3 * TD, targetMs: TD }), { blockFor: 4, waitMs: 0 }, 'settled after 3 target durations: blocking again')
})
