import t from 'tap'
import { HlsBrowserPlayer } from '../hls-player.js'
import { bothPackagersEligible, startLocalStack } from '../../support/local-stack.js'
import { backUnderAt, HLSJS_LL_CONFIG, latencies, LL_ENV, llSummary, median, waitForEdgeOffered } from '../../support/ll-stack.js'
import { PlaylistWatcher } from '../../support/playlist-watcher.js'

// The LL-HLS promise in full (its short version is test/integration/ll-hls-player.test.ts):
// hls.js in low-latency mode through the origin and an edge, 60 s steady at a median of at most
// 3.0 s behind the wall clock, then a packager SIGKILL, a redundant worker SIGKILL and a packager
// SIGSTOP: no stall, and back under 3 s within 10 s of each. The rule watcher on the origin checks
// the parts too. The latency control (hls.js without low-latency mode) is in the short version:
// a second browser here would take the CPU two encoders need on a 2-core machine.
t.setTimeout(600_000)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('LL-HLS through a packager SIGKILL, a redundant worker SIGKILL and a packager SIGSTOP', async (t) => {
  const stack = await startLocalStack(t, {
    redundantEncoders: true,
    start: ['reporter', 'server1', 'server2', 'worker', 'worker2', 'discovery', 'origin', 'edges'],
    env: LL_ENV
  })
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  await waitForEdgeOffered(entry)
  await bothPackagersEligible(stack)
  const player = new HlsBrowserPlayer(entry, { config: HLSJS_LL_CONFIG })
  t.teardown(async () => { await player.close() })
  await player.start()
  await player.waitUntilPlaying(40_000)
  const watcher = new PlaylistWatcher(entry, { pollMs: 100, maxDurationMs: 300_000 })
  await watcher.start()
  await sleep(4000)
  const steadyFrom = Date.now()
  await sleep(60_000)
  const steadyTo = Date.now()
  const faults: Array<{ name: string, at: number }> = []
  const fault = async (name: string, action: () => Promise<void>): Promise<void> => {
    faults.push({ name, at: Date.now() })
    t.comment(`${new Date().toISOString()} ${name}`)
    await action()
    await bothPackagersEligible(stack)
    await sleep(12_000)
  }
  await fault('server1 SIGKILL + restart 6 s later', async () => { stack.procs.server1.signal('SIGKILL'); await sleep(6000); await stack.procs.server1.start() })
  await fault('worker2 SIGKILL + restart 8 s later (redundant)', async () => { stack.procs.worker2.signal('SIGKILL'); await sleep(8000); await stack.procs.worker2.start() })
  await fault('server2 SIGSTOP 10 s + SIGCONT', async () => { stack.procs.server2.signal('SIGSTOP'); await sleep(10_000); stack.procs.server2.signal('SIGCONT') })
  const watched = await watcher.stop()
  const report = await player.close()
  t.comment(`LL: ${llSummary(report)}`)

  const steady = latencies(report.samples, steadyFrom, steadyTo)
  t.ok(steady.length >= 200, `${steady.length} latency samples over the steady 60 s`)
  t.ok(median(steady) <= 3.0, `median latency over 60 s: ${median(steady).toFixed(2)} s <= 3.0 s`)
  t.same(report.stalls, [], '0 stalls, steady and through every fault')
  t.same(report.errors.filter((e) => e.fatal), [], 'no fatal error')
  for (const [i, f] of faults.entries()) {
    const end = faults[i + 1]?.at ?? Date.now()
    const back = backUnderAt(report.samples, f.at, end, 3)
    const worst = Math.max(...latencies(report.samples, f.at, end))
    t.ok(back !== undefined && back - f.at <= 10_000, `${f.name}: under 3 s within 10 s (${back === undefined ? 'never' : `${back - f.at} ms`}; worst ${worst.toFixed(2)} s)`)
  }
  t.same(watched.violations, [], '0 rule violations on the origin\'s playlist, parts included')
  t.ok(report.playlistRequests.skip > 0, `hls.js asked for delta updates (${report.playlistRequests.skip})`)
})
