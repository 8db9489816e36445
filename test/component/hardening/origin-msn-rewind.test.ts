// Issue 11 case 4: a packager whose newest MSN goes backwards (here: B flips between the live
// timeline and one 40 segments behind every 16 ms, as two workers writing one output folder would)
// must be a fault, never a reason to poll it faster. Measured on this machine (media playlist
// requests per second at B, 2 renditions, TD 1 s; A, steady, gets 2): before the fix 121 blocking
// reloads a second and B stayed a healthy standby; after it 0 blocking and 4 plain reloads (half a
// target duration apart, RFC 8216bis 6.3.4) and B is down, out of step.
import t from 'tap'
import { advanceEvery, type FakeLivePackager } from '../../support/fake-live-packager.js'
import { PlaylistRuleLog, startPairAndOrigin, watchOutput } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const WINDOW_MS = 3000

function oscillate (t: { teardown: (fn: () => unknown) => void }, b: FakeLivePackager, live: () => number): void {
  let high = true
  const timer = setInterval(() => {
    const msn = high ? live() : live() - 40
    b.restartAt(msn, msn * 1000)
    high = !high
  }, 16)
  t.teardown(() => clearInterval(timer))
}

function playlistRequests (p: FakeLivePackager): { blocking: number, plain: number } {
  return { blocking: p.counts['media-blocking'], plain: p.counts.media }
}

t.test('a packager whose MSN goes backwards is not polled in a tight loop, and is not a healthy standby', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  advanceEvery(t, [a], 1000)
  oscillate(t, b, () => a.lastMsn)
  const session = origin.service.registry.get('live01')
  const statusOfB = (): { state?: string, reason?: string } | undefined => session?.status().sources.find((s) => s.url === b.url)

  // let it settle into whatever pace it keeps, then count
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const startB = playlistRequests(b)
  const startA = playlistRequests(a)
  const startedAt = Date.now()
  await new Promise((resolve) => setTimeout(resolve, WINDOW_MS))
  const endB = playlistRequests(b)
  const endA = playlistRequests(a)
  // divided by the window as measured: a busy event loop fires the timer that ends it late
  const seconds = (Date.now() - startedAt) / 1000
  const perSecond = (n: number): number => Math.round(n / seconds * 10) / 10
  const bBlocking = perSecond(endB.blocking - startB.blocking)
  const bPlain = perSecond(endB.plain - startB.plain)
  const aAll = perSecond(endA.blocking - startA.blocking + endA.plain - startA.plain)
  t.comment(`media playlist requests per second: rewinding B ${bBlocking} blocking + ${bPlain} plain; steady A ${aAll}`)
  t.ok(bBlocking <= 1, `B gets no stream of blocking reloads (${bBlocking}/s)`)
  t.ok(bBlocking + bPlain <= 5, `B is polled no faster than a playlist that does not change, 2 renditions at half a target duration (${bBlocking + bPlain}/s)`)

  const status = await waitFor('B to be judged out of step', () => statusOfB()?.state === 'down' ? statusOfB() : undefined, { timeoutMs: 5000, intervalMs: 50 })
  t.match(status?.reason, /out of step: media sequence went backwards/, `B is down, with the reason (${status?.reason ?? ''})`)

  // and the viewers' output goes on from A, by the rules
  const rules = new PlaylistRuleLog()
  const report = await watchOutput(origin, rules, { durationMs: 3000 })
  t.same(rules.violations, [], 'no playlist rule broken')
  t.same(report.httpErrors, [], 'no HTTP error')
  t.ok((report.renditions.hi?.lastNewest ?? 0) - (report.renditions.hi?.firstNewest ?? 0) >= 2, 'the output kept advancing')
  t.ok(report.segments.every((s) => s.status === 200 && s.body.startsWith('A:')), 'every new segment came from A')
})
