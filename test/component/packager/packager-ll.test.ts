import t from 'tap'
import { eventually, startFixture } from '../../support/packager-fixture.js'
import { addPart, cmafServerControl, EMPTY_WINDOW, windowPlaylist, type CmafWindow } from '../../../internal/worker/cmaf-window.js'
import { serializeMediaPlaylist } from '../../../internal/hls/playlist-serializer.js'

const KEY = 'live01/360p/playlist.m3u8'
const DIR = 'live01/360p'
// LL mode's shape: 1 s segments of two parts, a 30 s window
const O = { segmentSeconds: 1, partSeconds: 0.5, listSize: 30 }

/** The worker's own playlist after `segments` whole segments from MSN 100 and `parts` parts of the next. */
function ll (segments: number, parts = 0): string {
  let w: CmafWindow = EMPTY_WINDOW
  for (let m = 100; m < 100 + segments; m++) for (let k = 0; k < 2; k++) w = addPart(w, O, m, k, k === 0)
  for (let k = 0; k < parts; k++) w = addPart(w, O, 100 + segments, k, k === 0)
  return serializeMediaPlaylist(windowPlaylist(w, O, [])!, { serverControl: cmafServerControl(O) })
}

t.test('_HLS_part: held until the playlist lists that part, then answered with it', async (t) => {
  const f = await startFixture(t)
  await f.replace(KEY, ll(30, 1))
  const pending = fetch(`${f.url}/${KEY}?_HLS_msn=130&_HLS_part=1`).then(async (r) => ({ status: r.status, body: await r.text(), at: Date.now() }))
  await new Promise((resolve) => setTimeout(resolve, 300))
  await f.replace(KEY, ll(30, 1))
  await new Promise((resolve) => setTimeout(resolve, 300))
  const listedAt = Date.now()
  await f.replace(KEY, ll(30, 2))
  const res = await pending
  t.equal(res.status, 200)
  t.match(res.body, /URI="130\.1\.m4s"/)
  t.ok(res.at >= listedAt, 'not before part 2 was listed')
  const whole = await fetch(`${f.url}/${KEY}?_HLS_msn=129&_HLS_part=1`)
  t.equal(whole.status, 200, 'a part of a listed segment is there at once')
})

t.test('a preload-hinted part is held until written; a part far ahead is 404 at once', async (t) => {
  const f = await startFixture(t)
  await f.replace(KEY, ll(30, 1))
  const pending = fetch(`${f.url}/${DIR}/130.1.m4s`).then(async (r) => ({ status: r.status, body: Buffer.from(await r.arrayBuffer()), at: Date.now() }))
  const farAhead = await fetch(`${f.url}/${DIR}/134.0.m4s`)
  t.equal(farAhead.status, 404, 'control: not the hinted part, not held')
  await new Promise((resolve) => setTimeout(resolve, 300))
  const bytes = Buffer.from('part 130.1 bytes')
  await f.write(`${DIR}/130.1.m4s`, bytes)
  const writtenAt = Date.now()
  await f.replace(KEY, ll(30, 2))
  const res = await pending
  t.equal(res.status, 200)
  t.same(res.body, bytes)
  t.ok(res.at >= writtenAt, 'answered once it exists')
})

t.test('_HLS_skip=YES: a delta update past CAN-SKIP-UNTIL, at most half the whole with a 30 s window', async (t) => {
  const f = await startFixture(t)
  await f.replace(KEY, ll(30, 1))
  const whole = await (await fetch(`${f.url}/${KEY}`)).text()
  const delta = await (await fetch(`${f.url}/${KEY}?_HLS_skip=YES`)).text()
  // CAN-SKIP-UNTIL is 6 target durations: 24 of the 30 one-second segments are older than that
  t.match(delta, /#EXT-X-SKIP:SKIPPED-SEGMENTS=24\n/)
  t.match(delta, /#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES/)
  t.ok(delta.length * 2 <= whole.length, `delta ${delta.length} B, whole ${whole.length} B`)
  t.equal(delta.slice(delta.indexOf('#EXT-X-PART:')), whole.slice(whole.indexOf('#EXT-X-PART:')), 'the same from the first part on')
  const blocked = await (await fetch(`${f.url}/${KEY}?_HLS_msn=130&_HLS_part=0&_HLS_skip=YES`)).text()
  t.equal(blocked, delta, 'a blocking reload can ask for the delta too')
  await f.replace(KEY, ll(3, 0))
  t.ok(await eventually(async () => await (await fetch(`${f.url}/${KEY}`)).text() === ll(3, 0)), 'the short playlist is served')
  t.notMatch(await (await fetch(`${f.url}/${KEY}?_HLS_skip=YES`)).text(), /EXT-X-SKIP/, 'nothing old enough: the whole playlist')
})
