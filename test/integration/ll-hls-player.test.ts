import t from 'tap'
import { HlsBrowserPlayer } from '../chaos/hls-player.js'
import { startLocalStack } from '../support/local-stack.js'
import { backUnderAt, HLSJS_LL_CONFIG, latencies, LL_ENV, llSummary, median, waitForEdgeOffered } from '../support/ll-stack.js'
import { takeTurn } from '../support/one-at-a-time.js'
import { PlaylistWatcher } from '../support/playlist-watcher.js'

// The short version of the LL-HLS promise (make chaos runs the long one): hls.js in low-latency
// mode through the origin and an edge plays about two seconds behind the wall clock, asks for
// parts and delta updates, and a packager SIGKILL costs it no stall. The control is the same
// hls.js without low-latency mode on the same stream: it plays further back than 3 s, so the
// latency measure can fail.
t.setTimeout(300_000)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('LL-HLS: hls.js in low-latency mode through an edge, under 3 s behind, no stall through a packager SIGKILL', async (t) => {
  await takeTurn(t, 'realtime-players')
  const stack = await startLocalStack(t, {
    start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'edges'],
    env: LL_ENV
  })
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  await waitForEdgeOffered(entry)
  const player = new HlsBrowserPlayer(entry, { config: HLSJS_LL_CONFIG })
  const control = new HlsBrowserPlayer(entry, { config: { lowLatencyMode: false } })
  t.teardown(async () => { await player.close(); await control.close() })
  await player.start()
  await control.start()
  await player.waitUntilPlaying(40_000)
  await control.waitUntilPlaying(40_000)
  const watcher = new PlaylistWatcher(entry, { pollMs: 100, maxDurationMs: 120_000 })
  await watcher.start()
  await sleep(4000)
  const steadyFrom = Date.now()
  await sleep(20_000)
  const faultAt = Date.now()
  stack.procs.server1.signal('SIGKILL')
  t.comment(`${new Date(faultAt).toISOString()} SIGKILL server1`)
  await sleep(12_000)
  const watched = await watcher.stop()
  const report = await player.close()
  const controlReport = await control.close()
  t.comment(`LL: ${llSummary(report)}`)
  t.comment(`control: ${llSummary(controlReport)}`)

  const steady = latencies(report.samples, steadyFrom, faultAt)
  t.ok(steady.length >= 60, `${steady.length} latency samples in the steady 20 s`)
  const m = median(steady)
  t.ok(m <= 3.0, `median latency ${m.toFixed(2)} s <= 3.0 s`)
  t.same(report.stalls, [], '0 stalls')
  t.same(report.errors.filter((e) => e.fatal), [], 'no fatal error')
  t.ok(report.playlistRequests.part > 10, `hls.js asked for parts (${report.playlistRequests.part} of ${report.playlistRequests.total} playlist requests)`)
  t.ok(report.playlistRequests.skip > 0, `hls.js asked for delta updates (${report.playlistRequests.skip})`)
  const back = backUnderAt(report.samples, faultAt, faultAt + 12_000, 3)
  t.ok(back !== undefined && back - faultAt <= 10_000, `latency under 3 s within 10 s of the SIGKILL (${back === undefined ? 'never' : `${back - faultAt} ms`})`)
  t.ok(report.servedBy.some((s) => s.host !== new URL(entry).host), `played from an edge: ${report.servedBy.map((s) => s.host).join(', ')}`)
  t.same(watched.violations, [], '0 rule violations on the origin\'s playlists, parts included')
  const controlMedian = median(latencies(controlReport.samples, steadyFrom, faultAt))
  t.ok(controlMedian > 3.0, `control: hls.js without low-latency mode plays ${controlMedian.toFixed(2)} s behind`)
})
