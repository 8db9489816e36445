// Issue 11 case 3: a signal exists only when a packager says so. Junk names, whether a viewer asks
// for them (unsigned mode) or the reporter lists them (a leaked token), must cost the packagers a
// bounded request rate, never a session that polls, and never a line on the status page.
// Measured on this machine (junk requests per second at each of the two fake packagers, before
// the fix -> after it):
//   64 names asked once by a viewer, the 3 s after:  62 -> 0 (there were 64 sessions retrying each second)
//   the same 64 names asked every 250 ms for 4 s:    89 -> 7 (the player probe budget: burst 16, then 4/s)
//   120 names listed by the reporter:               120 -> 4 (the reporter probe budget; 121 sessions -> 1)
import t from 'tap'
import { advanceEvery, type FakeLivePackager } from '../../support/fake-live-packager.js'
import { get, startOrigin, startPair, startPairAndOrigin, startScriptedReporter } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const junkNames = (n: number): string[] => Array.from({ length: n }, (_, i) => `junk${String(i).padStart(3, '0')}`)
// the fake packagers count any request outside their signal as 'other': here, only the junk names
const junkRequests = (p: FakeLivePackager): number => p.counts.other
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

// divided by the window as measured: a busy event loop fires the timer that ends it late
async function ratePerSecond (packagers: readonly FakeLivePackager[], ms: number, during?: () => Promise<void>): Promise<number[]> {
  const start = packagers.map(junkRequests)
  const startedAt = Date.now()
  await Promise.all([sleep(ms), during?.()])
  const seconds = (Date.now() - startedAt) / 1000
  return packagers.map((p, i) => Math.round((junkRequests(p) - (start[i] ?? 0)) / seconds * 10) / 10)
}

t.test('junk names a viewer asks for hold no session and cost a bounded probe rate', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  advanceEvery(t, [a, b], 1000)
  const names = junkNames(64)
  const answers = await Promise.all(names.map(async (name) => await get(`${origin.url}/${name}/playlist.m3u8`)))
  t.ok(answers.every((r) => r.status === 503 || r.status === 404), `every junk name is refused (${[...new Set(answers.map((r) => r.status))].join(', ')})`)

  const after = await ratePerSecond([a, b], 3000)
  t.comment(`junk requests per second at A, B in the 3 s after 64 names were asked once: ${after.join(', ')}`)
  t.ok(after.every((r) => r <= 1), 'nothing keeps asking for them')

  let stop = false
  const flood = async (): Promise<void> => {
    while (!stop) {
      await Promise.all(names.map(async (name) => await get(`${origin.url}/${name}/playlist.m3u8`).catch(() => undefined)))
      await sleep(250)
    }
  }
  const during = await ratePerSecond([a, b], 4000, async () => { const f = flood(); await sleep(4000); stop = true; await f })
  t.comment(`junk requests per second at A, B while a viewer asks for 64 junk names every 250 ms: ${during.join(', ')}`)
  // the player budget: a burst of 16 probes, then 4 a second (one request per packager each)
  t.ok(during.every((r) => r <= 9), 'bounded by the probe budget, not by the number of names')

  const status = JSON.parse((await get(`${origin.url}/status.json`)).text) as { signals: Array<{ name: string }> }
  t.same(status.signals.map((s) => s.name), ['live01'], 'the status page lists only the real signal')
  t.same(origin.service.registry.all().map((s) => s.signal), ['live01'], 'one session')
  t.equal((await get(`${origin.url}/live01/hi/playlist.m3u8`)).status, 200, 'the real signal plays on')
})

t.test('junk names the reporter lists are probed, never followed, and do not escape the signal limit', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const names = junkNames(120)
  const reporterUrl = await startScriptedReporter(t, {
    ingests: () => ['live01', ...names].map((signal) => ({ signal, packagers: [a.url, b.url], last_reported: new Date().toUTCString() }))
  })
  const origin = await startOrigin(t, { packagers: [a.url, b.url], reporterUrl, env: { REPORTER_POLL_INTERVAL: '100ms' } })
  await waitFor('the origin to serve live01', async () => (await get(`${origin.url}/live01/hi/playlist.m3u8`)).status === 200, { timeoutMs: 10_000, intervalMs: 100 })
  await sleep(2000)
  const rate = await ratePerSecond([a, b], 3000)
  t.comment(`junk requests per second at A, B with 120 junk names listed by the reporter: ${rate.join(', ')}`)
  t.ok(rate.every((r) => r <= 5), 'bounded by the reporter\'s probe budget')
  t.same(origin.service.registry.all().map((s) => s.signal), ['live01'], `only the real signal is followed (${origin.service.registry.all().length} sessions)`)
  t.same(origin.service.status().signals.map((s) => s.name), ['live01'], 'and shown')
})
