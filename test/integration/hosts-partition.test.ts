import t from 'tap'
import { startHostsStack } from '../hosts/hosts-stack.js'
import { bothPackagersServe } from '../hosts/host-faults.js'
import { PlaylistWatcher, type WatcherReport } from '../support/playlist-watcher.js'
import { waitFor } from '../support/wait-for.js'

// Issue 16, check 2: the short version of `make chaos-hosts`. The pipeline on five hosts (network
// namespaces; this test needs root, as CI has), one partition: enc1 cut off from both origin
// hosts for 10 s. origin1 fails over to enc2 and its viewers see nothing; origin2 runs with
// failover off (following enc1 alone), the control, and its viewers must see the fault.
t.setTimeout(240_000)

const CUT_MS = 10_000
const TARGET_S = 2

/** What a viewer of one origin saw: new segments in time, every one fetched, every reload by the rules. */
function roderItOut (report: WatcherReport): boolean {
  const gapMs = Math.max(0, ...Object.values(report.maxGapMs))
  return report.violations.length === 0 && report.httpErrors.length === 0 && report.gapSegments === 0 && gapMs <= 2 * TARGET_S * 1000 + 1500
}

t.test('enc1 cut off from both origins: origin1 plays on from enc2; the no-failover control shows the cut', async (t) => {
  const stack = await startHostsStack({ edges: false, origin2NoFailover: true })
  let stopped = false
  // a failure half-way still removes every process, namespace and link
  t.teardown(async () => { if (!stopped) await stack.stop() })
  await bothPackagersServe(stack, 90_000)
  const media = (origin: 'origin1' | 'origin2'): string => `${stack.url(origin)}/live01/180p/playlist.m3u8`
  await waitFor('both origins to serve live01', async () => {
    const codes = await Promise.all([media('origin1'), media('origin2')].map(async (u) => await fetch(u).then((r) => r.status, () => 0)))
    return codes.every((c) => c === 200)
  }, { timeoutMs: 60_000, intervalMs: 500 })

  const watchers = [new PlaylistWatcher(media('origin1'), { pollMs: 250, maxDurationMs: 120_000 }), new PlaylistWatcher(media('origin2'), { pollMs: 250, maxDurationMs: 120_000 })]
  for (const w of watchers) await w.start()
  // a steady stretch first, so the control's gap is the cut's and not the start's
  await new Promise((resolve) => setTimeout(resolve, 3000))
  const topology = stack.topology
  const origins = [topology.host('origin1').address, topology.host('origin2').address]
  await topology.block('enc1', origins, 'both')
  await new Promise((resolve) => setTimeout(resolve, CUT_MS))
  await topology.heal('enc1')
  await new Promise((resolve) => setTimeout(resolve, 4000))
  const [product, control] = await Promise.all(watchers.map(async (w) => await w.stop())) as [WatcherReport, WatcherReport]
  const summary = (r: WatcherReport): string => JSON.stringify({ polls: r.polls, violations: r.violations.length, httpErrors: r.httpErrors.length, gapSegments: r.gapSegments, maxGapMs: Object.values(r.maxGapMs) })
  t.comment(`origin1 (failover): ${summary(product)}; origin2 (control, no failover): ${summary(control)}`)
  t.ok(product.polls > 40 && product.segmentsFetched > 5, 'origin1 was watched through the cut')
  t.ok(roderItOut(product), 'origin1: no rule broken, no failed request, no gap, a new segment at least every two target durations')
  t.notOk(roderItOut(control), 'control: origin2 without failover shows the cut (a gap, a failed request or a late segment)')
  stopped = true
  t.same(await stack.stop(), [], 'no namespace or link of the test is left')
})
