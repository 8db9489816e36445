import t from 'tap'
import { startLocalStack } from '../support/local-stack.js'
import { PlaylistWatcher, summarizeReport } from '../support/playlist-watcher.js'
import { waitFor } from '../support/wait-for.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }


t.test('origin: a watching player sees no error, no rule violation and no gap while packagers and the reporter fail', { timeout: 300_000 }, async (t) => {
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin'] })
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  await waitFor('the origin to serve live01', async () => (await fetch(entry)).status === 200, { timeoutMs: 40_000 })
  // let the output fill its window before the faults start
  await sleep(6000)

  const watcher = new PlaylistWatcher(entry, { pollMs: 100, maxDurationMs: 180_000 })
  await watcher.start()
  const steps: string[] = []
  const step = async (name: string, action: () => Promise<void> | void, settleMs: number): Promise<void> => {
    steps.push(`${new Date().toISOString()} ${name}`)
    await action()
    await sleep(settleMs)
  }
  try {
    await step('steady', () => {}, 6000)
    await step('SIGKILL server1', () => stack.procs.server1.signal('SIGKILL'), 8000)
    await step('restart server1', async () => await stack.procs.server1.start(), 10_000)
    await step('SIGSTOP server2 for 10 s', () => stack.procs.server2.signal('SIGSTOP'), 10_000)
    await step('SIGCONT server2', () => stack.procs.server2.signal('SIGCONT'), 8000)
    await step('SIGKILL reporter', () => stack.procs.reporter.signal('SIGKILL'), 8000)
    await step('restart reporter', async () => await stack.procs.reporter.start(), 8000)
  } finally {
    stack.procs.server2.signal('SIGCONT')
  }
  const report = await watcher.stop()
  t.comment(steps.join('\n'))
  t.comment(summarizeReport(report))

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
