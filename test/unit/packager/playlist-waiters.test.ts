import t from 'tap'
import type { CachedFile } from '../../../internal/packager/file-store.js'
import { scanPlaylist } from '../../../internal/hls/playlist-scanner.js'
import { PlaylistWaiters } from '../../../internal/packager/playlist-waiters.js'

function file (lastMsn: number): CachedFile {
  const text = `#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:${lastMsn}\n#EXTINF:1,\ns.ts\n`
  return { type: 'memory', kind: 'playlist', body: Buffer.from(text), etag: '"x"', headers: {}, headerList: [], baseHeaders: {}, info: scanPlaylist(text), freshUntil: 0 }
}

t.test('notify releases only the waiters it satisfies', async (t) => {
  const waiters = new PlaylistWaiters({ maxWaiters: 10, poll: () => {}, pollMs: 1000 })
  t.teardown(() => { waiters.close() })
  const a = waiters.wait('k', { msn: 5, part: undefined }, 10_000)
  const b = waiters.wait('k', { msn: 6, part: undefined }, 10_000)
  const other = waiters.wait('other', { msn: 1, part: undefined }, 10_000)
  if (a === 'full' || b === 'full' || other === 'full') throw new Error('unexpected full')
  t.equal(waiters.size, 3)
  waiters.notify('k', file(5))
  const resultA = await a
  t.equal(resultA.outcome, 'ready')
  t.equal(waiters.size, 2)
  waiters.notify('k', file(6))
  t.equal((await b).outcome, 'ready')
  t.ok(waiters.isWaitedOn('other'))
  t.notOk(waiters.isWaitedOn('k'))
  waiters.close()
  t.equal((await other).outcome, 'closed')
  t.equal(waiters.size, 0)
  const late = waiters.wait('k', { msn: 1, part: undefined }, 10_000)
  t.not(late, 'full')
  if (late !== 'full') t.equal((await late).outcome, 'closed', 'after close, waits end at once')
})

t.test('timeout, abort, bound, and polling only while someone waits', async (t) => {
  const polled: string[][] = []
  const waiters = new PlaylistWaiters({ maxWaiters: 1, poll: (keys) => { polled.push([...keys]) }, pollMs: 20 })
  t.teardown(() => { waiters.close() })
  const timed = waiters.wait('k', { msn: 9, part: undefined }, 150)
  t.equal(waiters.wait('k', { msn: 9, part: undefined }, 150), 'full')
  if (timed === 'full') throw new Error('unexpected full')
  t.equal((await timed).outcome, 'timeout')
  t.ok(polled.length >= 1 && polled.every((keys) => keys.length === 1 && keys[0] === 'k'), 'polled the waited key')
  const count = polled.length
  await new Promise((resolve) => setTimeout(resolve, 100))
  t.equal(polled.length, count, 'no polling without waiters')

  const controller = new AbortController()
  const aborted = waiters.wait('k', { msn: 9, part: undefined }, 10_000, controller.signal)
  if (aborted === 'full') throw new Error('unexpected full')
  controller.abort()
  t.equal((await aborted).outcome, 'aborted')
  t.equal(waiters.size, 0)
})
