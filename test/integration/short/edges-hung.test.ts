import { readdirSync, readFileSync } from 'node:fs'
import { get } from 'node:http'
import t, { type Test } from 'tap'
import type { ReplaceOrder } from '../../../internal/edges/edge-hang-detector.js'
import { isProcessRunning } from '../../../internal/edges/process-tools.js'
import { waitFor } from '../../support/wait-for.js'
import { fetchVia, startEdgesService, startFakeOrigin, startReporter } from '../../support/edges-test-helpers.js'

// a player polling one cached segment: a new connection each time (as a retry after a hang would
// open), so every request meets the kernel's choice among the sockets listening on the port.
// Every 10 ms: the old order's gap (kill, spawn, bind) is some 40-80 ms here, so it cannot slip
// between two requests
const POLL_MS = 10
const REQUEST_TIMEOUT_MS = 500
const SEGMENT = '/live01/360p/seg-500.ts'
// EDGE_HEARTBEAT 1s: hang rounds of 500 ms, 3 of them (EDGE_UNHEALTHY_PROBES) to tell a hang
const HANG_ROUND_MS = 500
const SILENT_ROUNDS = 3

type Outcome = 'ok' | 'refused' | 'reset' | 'timeout' | 'other'
interface Sample { readonly at: number, end: number, outcome: Outcome, detail: string }

/** Polls `url` every POLL_MS with a short per-request timeout, each on a fresh connection, and keeps every outcome. */
class SegmentPoller {
  readonly samples: Sample[] = []
  #timer: NodeJS.Timeout | undefined
  readonly #inFlight = new Set<Promise<void>>()

  constructor (private readonly url: string) {}

  start (): void {
    this.#timer = setInterval(() => {
      const done = this.#one().finally(() => this.#inFlight.delete(done))
      this.#inFlight.add(done)
    }, POLL_MS)
  }

  async stop (): Promise<void> {
    clearInterval(this.#timer)
    await Promise.all([...this.#inFlight])
  }

  okAfter (at: number): number {
    return this.samples.filter((s) => s.at > at && s.outcome === 'ok').length
  }

  async #one (): Promise<void> {
    const sample: Sample = { at: Date.now(), end: 0, outcome: 'other', detail: '' }
    this.samples.push(sample)
    await new Promise<void>((resolve) => {
      const finish = (outcome: Outcome, detail: string): void => {
        if (sample.end !== 0) return
        sample.end = Date.now()
        sample.outcome = outcome
        sample.detail = detail
        resolve()
      }
      const req = get(this.url, { agent: false }, (res) => {
        res.resume()
        res.on('end', () => { finish(res.statusCode === 200 ? 'ok' : 'other', `status ${res.statusCode ?? 0}`) })
        res.on('error', (err: NodeJS.ErrnoException) => { finish('reset', err.code ?? err.message) })
      })
      req.setTimeout(REQUEST_TIMEOUT_MS, () => { finish('timeout', 'no answer'); req.destroy() })
      req.on('error', (err: NodeJS.ErrnoException) => {
        const code = err.code ?? err.message
        finish(code === 'ECONNREFUSED' ? 'refused' : code === 'ECONNRESET' || code === 'EPIPE' ? 'reset' : 'other', code)
      })
    })
  }
}

/** Live members of a process group (zombies are gone: only their exit status is left). */
function groupMembers (pgid: number): number[] {
  const members: number[] = []
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue
    let stat: string
    try { stat = readFileSync(`/proc/${name}/stat`, 'utf8') } catch { continue }
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    if (Number(fields[2]) === pgid && fields[0] !== 'Z' && fields[0] !== 'X') members.push(Number(name))
  }
  return members
}

interface HangRun {
  readonly frozenAt: number
  readonly replacedAt: number
  readonly samples: readonly Sample[]
  readonly oldGroupGone: boolean
  readonly oldMasterGone: boolean
}

/** One edge, a poller on one cached segment through it, the edge's whole group SIGSTOPped, until the manager has a new nginx on its port. */
async function freezeAndReplace (t: Test, replaceOrder: ReplaceOrder): Promise<HangRun> {
  const origin = await startFakeOrigin(t, 20)
  const reporter = await startReporter(t)
  const { service, dir } = await startEdgesService(t, origin, reporter, {
    EDGES_MIN: '1', EDGES_MAX: '1', EDGE_TTL: '5s', EDGE_HEARTBEAT: '1s', EDGE_UNHEALTHY_PROBES: String(SILENT_ROUNDS)
  }, { replaceOrder })
  const edge = service.edges()[0]
  if (edge === undefined) throw new Error('no edge')
  t.equal((await fetchVia(edge.url, SEGMENT)).cache, 'MISS')
  t.equal((await fetchVia(edge.url, SEGMENT)).cache, 'HIT', 'the segment is cached on the edge')

  const poller = new SegmentPoller(edge.url + SEGMENT)
  t.teardown(async () => { await poller.stop() })
  poller.start()
  await waitFor('the poller to be served', () => poller.okAfter(0) >= 50, { timeoutMs: 10_000, intervalMs: 20 })

  // a hung edge: the kernel still accepts its connections, nothing answers them
  const frozenAt = Date.now()
  process.kill(-edge.watchdogPid, 'SIGSTOP')
  const replacement = await waitFor('a new nginx on the hung edge\'s port', () => {
    const now = service.edges().find((e) => e.port === edge.port)
    return now !== undefined && now.nginxPid !== edge.nginxPid && now.state === 'live' ? now : undefined
  }, { timeoutMs: 20_000, intervalMs: 10 })
  const replacedAt = Date.now()
  t.equal(replacement.url, edge.url, 'same port, same URL: nothing listed changes')
  const oldGroupGone = await waitFor('the hung edge\'s process group gone', () => groupMembers(edge.watchdogPid).length === 0, { timeoutMs: 10_000, intervalMs: 20 })
    .then(() => true, () => false)
  const oldMasterGone = !isProcessRunning(edge.nginxPid, dir)
  // a second of polling against the replacement
  await waitFor('a second of answers from the replacement', () => Date.now() - replacedAt >= 1000 && poller.okAfter(replacedAt) >= 50, { timeoutMs: 15_000, intervalMs: 20 })
  await poller.stop()
  return { frozenAt, replacedAt, samples: poller.samples, oldGroupGone, oldMasterGone }
}

interface Tally { readonly byOutcome: Record<Outcome, number>, readonly failures: readonly Sample[], readonly outageMs: number, readonly text: string }

function tally (run: HangRun): Tally {
  const byOutcome: Record<Outcome, number> = { ok: 0, refused: 0, reset: 0, timeout: 0, other: 0 }
  for (const s of run.samples) byOutcome[s.outcome]++
  const failures = run.samples.filter((s) => s.outcome !== 'ok')
  const last = failures.at(-1)
  // unanswerable: from the freeze to the first request, started after the last failed one, that was served
  const back = last === undefined ? undefined : run.samples.find((s) => s.at > last.at && s.outcome === 'ok')
  const outageMs = back === undefined ? 0 : back.at - run.frozenAt
  const rel = (ms: number): string => `${ms - run.frozenAt}`
  const text = `replaced ${run.replacedAt - run.frozenAt} ms after SIGSTOP; URL unanswerable for ${outageMs} ms; ` +
    `${run.samples.length} requests: ${JSON.stringify(byOutcome)}; failures (start ms after SIGSTOP: outcome): ` +
    failures.map((f) => `${rel(f.at)}:${f.outcome}`).join(' ')
  return { byOutcome, failures, outageMs, text }
}

t.test('a hung edge is replaced beside itself: its URL never refuses a connection', async (t) => {
  const run = await freezeAndReplace(t, 'start-first')
  const result = tally(run)
  t.comment(`start-first: ${result.text}`)
  t.equal(result.byOutcome.refused, 0, 'no connection refused, ever')
  t.same(result.failures.filter((f) => f.at > run.replacedAt), [], 'every request sent once the replacement was in place was served')
  t.same(result.failures.filter((f) => f.at < run.frozenAt - REQUEST_TIMEOUT_MS), [], 'nothing failed before the freeze')
  // told after SILENT_ROUNDS rounds of silence (at most one more round to send the first unanswered
  // probe), then the replacement's start: generous, since a timed assertion is not the measure of speed
  const boundMs = (SILENT_ROUNDS + 1) * HANG_ROUND_MS + 2000
  t.ok(result.outageMs <= boundMs, `the URL answered again within ${boundMs} ms of the freeze (${result.outageMs} ms)`)
  t.ok(run.oldGroupGone, 'the hung edge\'s whole process group is gone')
  t.ok(run.oldMasterGone, 'the hung nginx master is gone')
})

t.test('control: killing the hung edge before starting its replacement (the old order) refuses connections', async (t) => {
  const run = await freezeAndReplace(t, 'kill-first')
  const result = tally(run)
  t.comment(`kill-first: ${result.text}`)
  t.ok(result.byOutcome.refused > 0, `the gap before the new nginx binds refuses connections (${result.byOutcome.refused})`)
  t.ok(run.oldGroupGone, 'the hung edge\'s whole process group is gone')
})
