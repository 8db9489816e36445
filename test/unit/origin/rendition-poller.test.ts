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

t.test('LL-HLS: the next ask is the next part, and a new part is progress', async (t) => {
  const { nextAsk } = await import('../../../internal/origin/rendition-poller.js')
  const { positionOf } = await import('../../../internal/origin/msn-waiters.js')
  const { parseMediaPlaylist, DEFAULT_PARSE_LIMITS } = await import('../../../internal/hls/playlist-parser.js')
  const parse = (text: string): import('../../../internal/hls/media-playlist.js').MediaPlaylist => {
    const r = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, cmaf: true })
    if (!r.ok) throw new Error(r.reason)
    return r.playlist
  }
  const head = '#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXT-X-PART-INF:PART-TARGET=0.5\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:1,\n10.m4s\n'
  const whole = parse(head)
  const onePart = parse(`${head}#EXT-X-PART:DURATION=0.5,URI="11.0.m4s",INDEPENDENT=YES\n`)
  t.same(nextAsk(whole), { msn: 11, part: 0 })
  t.same(nextAsk(onePart), { msn: 11, part: 1 })
  t.same(nextAsk(parse('#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2,\n10.ts\n')), { msn: 11 }, 'no parts: the next segment')
  t.ok(positionOf(onePart) > positionOf(whole), 'a new part is progress')
  t.same(nextPoll({ before: positionOf(whole), newest: positionOf(onePart), blockFor: positionOf(onePart), rewoundAt: undefined, at: 0, targetMs: 1000 }).waitMs, 0, 'asked again at once')
})
