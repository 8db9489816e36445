import { sideBySide } from '../../support/side-by-side.js'
import { epochMsn, startFakeLivePackager } from '../../support/fake-live-packager.js'
import { get, startOrigin } from '../../support/origin-harness.js'
import { parseMediaPlaylist } from '../../../internal/hls/playlist-parser.js'
import { playlistDuration } from '../../../internal/hls/media-playlist.js'
import { buildStatus, type SignalView } from '../../../internal/origin/status-model.js'
import type { SignalStatus } from '../../../internal/origin/signal-status.js'
import { waitFor } from '../../support/wait-for.js'

// the tests each start their own fakes and origin and mostly wait on their clocks: run them side by side
sideBySide('a stream starting', 2, (t) => {
  t.test("a stream's first seconds: playlists are held, then refused with Retry-After, until the window holds 3 target durations", { buffered: true }, async (t) => {
    const msn = epochMsn(1)
    const a = await startFakeLivePackager(t, { name: 'A', lastMsn: msn })
    // a worker that has just started: one segment listed (TD 1 s)
    a.restartAt(msn, msn * 1000)
    const origin = await startOrigin(t, { packagers: [a.url] })
    const url = `${origin.url}/live01/hi/playlist.m3u8`

    const refused = await get(url)
    t.equal(refused.status, 503, 'not offered with one segment')
    t.match(JSON.parse(refused.text), { error: 'ORIGIN_ERR_STARTING', message: /hold 1\.0 s of the 3 target durations \(3\.0 s\)/ })
    t.ok(Number(refused.headers.get('retry-after')) >= 1, `Retry-After: ${refused.headers.get('retry-after') ?? 'none'}`)
    t.equal((await get(`${origin.url}/live01/playlist.m3u8`)).status, 503, 'the entry playlist waits too')
    const session = origin.service.registry.all()[0]
    const view = session === undefined ? undefined : statusOf(session.status())
    t.match(view, { state: 'starting', summary: /window holds 1\.0 s/ }, 'the status page says STARTING')

    // a request made while the window fills is held, then answered with a full window
    const held = get(url)
    a.advance()
    a.advance()
    const answer = await held
    t.equal(answer.status, 200, 'answered once the window is long enough')
    const parsed = parseMediaPlaylist(answer.text)
    t.ok(parsed.ok && playlistDuration(parsed.playlist) >= 3, `the first playlist a player gets holds ${parsed.ok ? playlistDuration(parsed.playlist) : '?'} s (3 target durations at least)`)
    await waitFor('the status page to say OK', async () => (session !== undefined && statusOf(session.status())?.state === 'ok') || undefined, { timeoutMs: 5000, intervalMs: 100 })
  })

  t.test('an origin joining a running stream offers it at once: the window is long enough from the start', { buffered: true }, async (t) => {
    const a = await startFakeLivePackager(t, { name: 'A', lastMsn: epochMsn(1) })
    const origin = await startOrigin(t, { packagers: [a.url] })
    const answer = await get(`${origin.url}/live01/hi/playlist.m3u8`)
    t.equal(answer.status, 200)
    const parsed = parseMediaPlaylist(answer.text)
    t.ok(parsed.ok && parsed.playlist.segments.length === 6, 'the first answer already carries the packager\'s whole window')
  })
})

function statusOf (signal: SignalStatus): SignalView | undefined {
  return buildStatus({ now: Date.now(), signals: [signal], edges: [], edgesInUse: [], reporterReachable: true, failovers: [] }).signals[0]
}
