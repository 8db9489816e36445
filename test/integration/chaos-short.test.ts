import t from 'tap'
import { HlsBrowserPlayer, type PlayerReport } from '../chaos/hls-player.js'
import { startLocalStack } from '../support/local-stack.js'
import { PlaylistWatcher, summarizeReport } from '../support/playlist-watcher.js'
import { waitFor } from '../support/wait-for.js'

// The short version of `make chaos`, one stack: packagers killed and frozen and the reporter killed,
// seen by an hls.js player and the rule watcher on the origin, and by the same player on a second
// origin with failover switched off (the control: without failover these faults do reach viewers).
t.setTimeout(300_000)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

function playerSummary (p: PlayerReport): string {
  return JSON.stringify({
    stalls: p.stalls,
    fatal: p.errors.filter((e) => e.fatal).length,
    nonFatal: p.errors.filter((e) => !e.fatal).map((e) => `${e.details}${e.code == null ? '' : ` ${e.code}`}`).slice(0, 6),
    httpErrors: p.httpErrors.slice(0, 4),
    progressRatio: Number(p.progressRatio.toFixed(3)),
    droppedFrames: `${p.droppedFrames}/${p.totalFrames}`
  })
}

t.test('chaos-short: packagers killed and frozen, the reporter killed; players and the watcher on the origin see nothing, the same player without failover does', async (t) => {
  const stack = await startLocalStack(t, {
    start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'origin2'],
    componentEnv: { origin2: { ORIGIN_TEST_ONLY_NO_FAILOVER: '1' } }
  })
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  const controlEntry = `${stack.url('origin2')}/live01/playlist.m3u8`
  for (const url of [entry, controlEntry]) {
    await waitFor(`${url} to serve live01`, async () => (await fetch(url)).status === 200, { timeoutMs: 40_000 })
  }
  // a full window before the players join, as for a viewer arriving mid-event
  await sleep(6000)
  const player = new HlsBrowserPlayer(entry)
  const control = new HlsBrowserPlayer(controlEntry)
  t.teardown(async () => { await player.close(); await control.close() })
  await player.start()
  await control.start()
  await player.waitUntilPlaying(40_000)
  await control.waitUntilPlaying(40_000)

  const watcher = new PlaylistWatcher(entry, { pollMs: 100, maxDurationMs: 180_000 })
  await watcher.start()
  const steps: string[] = []
  const step = async (name: string, action: () => Promise<void> | void, settleMs: number): Promise<void> => {
    steps.push(`${new Date().toISOString()} ${name}`)
    await action()
    await sleep(settleMs)
  }
  try {
    await step('steady', () => {}, 4000)
    await step('SIGKILL server1 for 10 s', () => stack.procs.server1.signal('SIGKILL'), 10_000)
    await step('restart server1', async () => await stack.procs.server1.start(), 7000)
    await step('SIGSTOP server2 for 10 s', () => stack.procs.server2.signal('SIGSTOP'), 10_000)
    await step('SIGCONT server2', () => stack.procs.server2.signal('SIGCONT'), 6000)
    await step('SIGKILL reporter', () => stack.procs.reporter.signal('SIGKILL'), 6000)
    await step('restart reporter', async () => await stack.procs.reporter.start(), 6000)
  } finally {
    stack.procs.server2.signal('SIGCONT')
  }
  const report = await watcher.stop()
  const seen = await player.close()
  const controlSeen = await control.close()
  t.comment(steps.join('\n'))
  t.comment(`watcher: ${summarizeReport(report)}`)
  t.comment(`player: ${playerSummary(seen)}`)
  t.comment(`control player (no failover): ${playerSummary(controlSeen)}`)

  t.test('the player on the origin', async (t) => {
    t.ok(seen.began, 'the player started playing')
    t.ok(seen.progressRatio > 0.9, `the playhead moved with the wall clock (${seen.progressRatio.toFixed(3)} media s per s)`)
    t.same(seen.stalls, [], '0 stalls after playback began')
    t.same(seen.errors.filter((e) => e.fatal), [], '0 fatal player errors')
    t.same(seen.httpErrors, [], '0 HTTP errors seen by the browser')
  })

  t.test('the watcher on the origin', async (t) => {
    t.ok(report.segmentsFetched > 40, `segments were fetched through the origin (${report.segmentsFetched})`)
    t.same(report.violations, [], '0 playlist rule violations')
    t.same(report.httpErrors, [], '0 non-200 answers')
    const budgetMs = 1.5 * report.targetDurationS * 1000
    for (const [url, gap] of Object.entries(report.maxGapMs)) {
      t.ok(gap <= budgetMs, `longest wait for a new segment on ${new URL(url).pathname} was ${gap} ms (budget 1.5 TD = ${budgetMs} ms)`)
    }
    const metrics = await (await fetch(`${stack.url('origin')}/metrics`)).text()
    t.match(metrics, /origin_failovers_total\{signal="live01",from="http:\/\/127\.0\.0\.1:\d+",to="http:\/\/127\.0\.0\.1:\d+"/, 'the failover was counted')
  })

  t.test('control: the same player on an origin with failover switched off (test-only setting) sees the fault', async (t) => {
    t.ok(controlSeen.began, 'the control player started playing')
    const faults = controlSeen.stalls.length + controlSeen.errors.length + controlSeen.httpErrors.length
    t.ok(faults > 0, `the player recorded the fault: ${controlSeen.stalls.length} stalls, ${controlSeen.errors.length} player errors, ${controlSeen.httpErrors.length} HTTP errors`)
    t.ok(controlSeen.stalls.length > 0 || controlSeen.errors.some((e) => e.fatal) || controlSeen.httpErrors.length > 0, 'a viewer-visible failure: a stall, a fatal error or a failed request')
  })
})
