import t, { type Test } from 'tap'
import { HlsBrowserPlayer, type PlayerReport } from '../chaos/hls-player.js'
import { startLocalStack, type LocalStack } from '../support/local-stack.js'
import { PlaylistWatcher, type WatcherReport } from '../support/playlist-watcher.js'
import { waitFor } from '../support/wait-for.js'

// two stacks one after the other, each with a real browser: more than tap's default per-file limit
t.setTimeout(400_000)

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

interface Watched { player: PlayerReport, watcher: WatcherReport, steps: string[] }

/** One hls.js player and the rule-checking watcher on the origin while `faults` run. */
async function watchThroughFaults (t: Test, stack: LocalStack, faults: (step: (name: string, action: () => unknown, settleMs: number) => Promise<void>) => Promise<void>): Promise<Watched> {
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  await waitFor('the origin to serve live01', async () => (await fetch(entry)).status === 200, { timeoutMs: 40_000 })
  // a full window before the player joins, as for a viewer arriving mid-event
  await sleep(4000)
  const player = new HlsBrowserPlayer(entry)
  t.teardown(async () => { await player.close() })
  await player.start()
  await player.waitUntilPlaying(40_000)
  const watcher = new PlaylistWatcher(entry, { pollMs: 250, maxDurationMs: 120_000 })
  await watcher.start()
  const steps: string[] = []
  const step = async (name: string, action: () => unknown, settleMs: number): Promise<void> => {
    steps.push(`${new Date().toISOString()} ${name}`)
    await action()
    await sleep(settleMs)
  }
  try {
    await step('steady', () => {}, 4000)
    await faults(step)
  } finally {
    stack.procs.server2.signal('SIGCONT')
  }
  return { watcher: await watcher.stop(), player: await player.close(), steps }
}

function summary (w: Watched): string {
  const p = w.player
  return JSON.stringify({
    stalls: p.stalls,
    fatal: p.errors.filter((e) => e.fatal).length,
    nonFatal: p.errors.filter((e) => !e.fatal).map((e) => `${e.details}${e.code == null ? '' : ` ${e.code}`}`).slice(0, 6),
    playerHttpErrors: p.httpErrors.slice(0, 4),
    progressRatio: Number(p.progressRatio.toFixed(3)),
    droppedFrames: `${p.droppedFrames}/${p.totalFrames}`,
    watcher: { segments: w.watcher.segmentsFetched, violations: w.watcher.violations.length, httpErrors: w.watcher.httpErrors.length, maxGapMs: Object.values(w.watcher.maxGapMs) }
  })
}

t.test('chaos-short: an hls.js player through the origin sees no stall and no error while packagers are killed and frozen', { timeout: 200_000 }, async (t) => {
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin'] })
  const w = await watchThroughFaults(t, stack, async (step) => {
    await step('SIGKILL server1', () => stack.procs.server1.signal('SIGKILL'), 5000)
    await step('restart server1', async () => await stack.procs.server1.start(), 7000)
    await step('SIGSTOP server2 (6 s)', () => stack.procs.server2.signal('SIGSTOP'), 6000)
    await step('SIGCONT server2', () => stack.procs.server2.signal('SIGCONT'), 6000)
  })
  t.comment(w.steps.join('\n'))
  t.comment(summary(w))

  t.ok(w.player.began, 'the player started playing')
  t.ok(w.player.progressRatio > 0.9, `the playhead moved with the wall clock (${w.player.progressRatio.toFixed(3)} media s per s)`)
  t.same(w.player.stalls, [], '0 stalls after playback began')
  t.same(w.player.errors.filter((e) => e.fatal), [], '0 fatal player errors')
  t.same(w.player.httpErrors, [], '0 HTTP errors seen by the browser')
  t.ok(w.watcher.segmentsFetched > 10, `the watcher fetched segments (${w.watcher.segmentsFetched})`)
  t.same(w.watcher.violations, [], '0 playlist rule violations')
  t.same(w.watcher.httpErrors, [], '0 HTTP errors seen by the watcher')
})

t.test('chaos-short, control: with failover switched off (test-only origin setting) the same player does see the fault', { timeout: 200_000 }, async (t) => {
  const stack = await startLocalStack(t, {
    start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin'],
    componentEnv: { origin: { ORIGIN_TEST_ONLY_NO_FAILOVER: '1' } }
  })
  const w = await watchThroughFaults(t, stack, async (step) => {
    await step('SIGKILL server1', () => stack.procs.server1.signal('SIGKILL'), 10_000)
    await step('restart server1', async () => await stack.procs.server1.start(), 6000)
  })
  t.comment(w.steps.join('\n'))
  t.comment(summary(w))

  t.ok(w.player.began, 'the player started playing')
  const seen = w.player.stalls.length + w.player.errors.length + w.player.httpErrors.length
  t.ok(seen > 0, `the player recorded the fault: ${w.player.stalls.length} stalls, ${w.player.errors.length} player errors, ${w.player.httpErrors.length} HTTP errors`)
  t.ok(w.player.stalls.length > 0 || w.player.errors.some((e) => e.fatal) || w.player.httpErrors.length > 0, 'a viewer-visible failure: a stall, a fatal error or a failed request')
})
