import t from 'tap'
import { parseMasterPlaylist } from '../../../internal/hls/playlist-parser.js'
import { get, newest, PlaylistRuleLog, startPairAndOrigin } from '../../support/origin-harness.js'
import { MIN_HOLD_MS } from '../../../internal/origin/request-hold.js'

t.test('the master lists relative variants; media playlists advertise blocking reload, PDT per segment and the discontinuity sequence', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)

  const master = await get(`${origin.url}/live01/playlist.m3u8`)
  t.equal(master.status, 200)
  t.match(master.headers.get('content-type'), /application\/vnd\.apple\.mpegurl/)
  const parsed = parseMasterPlaylist(master.text)
  t.ok(parsed.ok, 'the entry playlist is a master playlist')
  if (!parsed.ok) return
  t.same(parsed.playlist.variants.map((v) => v.uri), ['hi/playlist.m3u8', 'lo/playlist.m3u8'], 'variant URIs are relative, as the packager listed them')
  t.notMatch(master.text, /https?:|127\.0\.0\.1|^\//m, 'no host and no absolute path in the master')

  const rules = new PlaylistRuleLog()
  for (const rendition of ['hi', 'lo']) {
    const url = `${origin.url}/live01/${rendition}/playlist.m3u8`
    const answer = await get(url)
    t.equal(answer.status, 200, `${rendition} media playlist`)
    t.match(answer.headers.get('cache-control'), /no-cache/)
    t.match(answer.text, /^#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,HOLD-BACK=4\.0$/m, "CAN-BLOCK-RELOAD=YES and a HOLD-BACK of 4 target durations (TD 1 s)")
    t.match(answer.text, /^#EXT-X-DISCONTINUITY-SEQUENCE:0$/m, 'EXT-X-DISCONTINUITY-SEQUENCE is written')
    const playlist = rules.check(url, answer.text)
    if (playlist === undefined) { t.fail('unparseable media playlist'); continue }
    // count explicit tags: the parser would extrapolate a missing PDT
    const pdtLines = answer.text.split('\n').filter((l) => l.startsWith('#EXT-X-PROGRAM-DATE-TIME:')).length
    t.equal(pdtLines, playlist.segments.length, 'one explicit PROGRAM-DATE-TIME per segment')
    t.ok(playlist.segments.length >= 3, `the window holds at least 3 segments (${playlist.segments.length})`)
    t.equal(newest(playlist), a.lastMsn, 'the newest segment is the packagers\' newest')
    for (const s of playlist.segments) {
      t.equal(s.uri, `${s.msn}.ts`, 'epoch-locked names are kept, relative')
      t.equal(s.programDateTimeMs, a.pdtOf(s.msn), `PDT of ${s.msn} is the packagers' PDT`)
    }
  }
  t.same(rules.violations, [])

  const hi = await get(`${origin.url}/live01/hi/playlist.m3u8`)
  const name = hi.text.trimEnd().split('\n').pop() ?? ''
  const segment = await get(`${origin.url}/live01/hi/${name}`)
  t.equal(segment.status, 200)
  t.match(segment.headers.get('content-type'), /video\/mp2t/)
  const msn = Number(name.replace('.ts', ''))
  t.ok([a.segmentBody('hi', msn), b.segmentBody('hi', msn)].includes(segment.text), `the segment bytes come from a packager (${segment.text})`)
})

t.test('blocking playlist reload at the origin (RFC 8216bis 6.2.5.2)', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  const rules = new PlaylistRuleLog()
  const url = `${origin.url}/live01/hi/playlist.m3u8`
  const last = newest(await rules.fetch(url))

  t.test('an MSN already listed is answered at once', async (t) => {
    const answer = await get(`${url}?_HLS_msn=${last}`)
    t.equal(answer.status, 200)
    const playlist = rules.check(url, answer.text)
    t.equal(playlist === undefined ? -1 : newest(playlist), last)
  })

  t.test('_HLS_msn=last+1 is held until the packagers advance, then lists it', async (t) => {
    let settled = false
    const pending = get(`${url}?_HLS_msn=${last + 1}`).finally(() => { settled = true })
    // half a target duration with nothing new: the request must still be open
    await new Promise((resolve) => setTimeout(resolve, 500))
    t.equal(settled, false, 'held while the segment does not exist')
    a.advance()
    b.advance()
    const answer = await pending
    t.equal(answer.status, 200)
    const playlist = rules.check(url, answer.text)
    t.equal(playlist === undefined ? -1 : newest(playlist), last + 1, 'the answer lists the requested MSN')
    t.match(answer.text, new RegExp(`^${last + 1}\\.ts$`, 'm'))
  })

  t.test('_HLS_msn more than two beyond the last segment is a 400 that says so', async (t) => {
    const current = last + 1
    const answer = await get(`${url}?_HLS_msn=${current + 3}`)
    t.equal(answer.status, 400)
    const body = JSON.parse(answer.text) as { error: string, message: string }
    t.equal(body.error, 'ORIGIN_ERR_BAD_BLOCKING_REQUEST')
    t.match(body.message, /_HLS_msn=\d+ is more than two segments beyond the last one/)
  })

  t.test('a malformed _HLS_msn and _HLS_part without _HLS_msn are 400s', async (t) => {
    const abc = await get(`${url}?_HLS_msn=abc`)
    t.equal(abc.status, 400)
    t.match(JSON.parse(abc.text), { error: 'ORIGIN_ERR_BAD_BLOCKING_REQUEST', message: /non-negative integer/ })
    const negative = await get(`${url}?_HLS_msn=-1`)
    t.equal(negative.status, 400)
    const part = await get(`${url}?_HLS_part=1`)
    t.equal(part.status, 400)
    t.match(JSON.parse(part.text), { error: 'ORIGIN_ERR_BAD_BLOCKING_REQUEST', message: /_HLS_part needs _HLS_msn/ })
  })

  // last: from here on nothing advances, so the packagers also turn stale
  t.test('_HLS_msn=last+1 with nothing new is a 503 after 3 target durations, and at least MIN_HOLD_MS', async (t) => {
    const current = last + 1
    const started = Date.now()
    const answer = await get(`${url}?_HLS_msn=${current + 1}`)
    const heldMs = Date.now() - started
    t.equal(answer.status, 503)
    t.match(JSON.parse(answer.text), { error: 'ORIGIN_ERR_BLOCKING_TIMEOUT', message: `segment ${current + 1} did not appear within 6.0 s` })
    t.ok(heldMs >= MIN_HOLD_MS - 500 && heldMs < 15_000, `held ${heldMs} ms (3 TD = 3000 ms, less than MIN_HOLD_MS)`)
  })

  t.test('every playlist served obeyed the update rules', async (t) => {
    t.ok(rules.checked >= 3)
    t.same(rules.violations, [])
  })
})
