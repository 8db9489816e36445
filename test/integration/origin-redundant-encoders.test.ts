import t from 'tap'
import { startLocalStack } from '../support/local-stack.js'
import { PlaylistWatcher } from '../support/playlist-watcher.js'
import { waitFor } from '../support/wait-for.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('redundant encoders: kill one worker (ffmpeg included) and restart it; the output has no discontinuity', { timeout: 300_000 }, async (t) => {
  // two epoch-locked workers, each feeding its own packager from its own folder
  const stack = await startLocalStack(t, {
    redundantEncoders: true,
    start: ['server1', 'server2', 'worker', 'origin'],
    ladder: '180p:320x180:200,144p:256x144:120'
  })
  await sleep(3000)
  await stack.procs.worker2.start()
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  await waitFor('the origin to serve live01', async () => (await fetch(entry)).status === 200, { timeoutMs: 40_000 })
  await waitFor('server2 to serve worker2 output', async () => (await fetch(`${stack.url('server2')}/live01/180p/playlist.m3u8`)).status === 200, { timeoutMs: 30_000 })
  await sleep(4000)

  const watcher = new PlaylistWatcher(entry, { pollMs: 100, maxDurationMs: 120_000 })
  await watcher.start()
  await sleep(6000)
  stack.procs.worker.signal('SIGKILL')
  t.comment(`${new Date().toISOString()} SIGKILL worker (server1's encoder, with its ffmpeg)`)
  await sleep(10_000)
  await stack.procs.worker.start()
  t.comment(`${new Date().toISOString()} worker restarted`)
  // long enough for it to line up again and pass the recovery hold
  await sleep(14_000)
  const report = await watcher.stop()
  t.comment(JSON.stringify({ segmentsFetched: report.segmentsFetched, maxGapMs: report.maxGapMs, discontinuities: report.discontinuities, violations: report.violations.slice(0, 3), httpErrors: report.httpErrors.slice(0, 3) }))

  t.ok(report.segmentsFetched > 20, `segments were fetched through the origin (${report.segmentsFetched})`)
  t.same(report.violations, [], '0 rule violations')
  t.same(report.httpErrors, [], '0 non-200 answers')
  t.same(report.discontinuities, [], 'no EXT-X-DISCONTINUITY: the two encoders line up')
  const budgetMs = 1.5 * report.targetDurationS * 1000
  for (const [url, gap] of Object.entries(report.maxGapMs)) t.ok(gap <= budgetMs, `longest wait for a new segment on ${new URL(url).pathname}: ${gap} ms (budget ${budgetMs} ms)`)

  const metrics = await (await fetch(`${stack.url('origin')}/metrics`)).text()
  const eligible = metrics.match(/^origin_packager_eligible\{signal="live01",[^}]*\} 1$/gm) ?? []
  t.equal(eligible.length, 2, 'both packagers are eligible again at the end: the restarted encoder lined up')
})
