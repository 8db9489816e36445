import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import t, { type Test } from 'tap'
import { EdgeHangWatch } from '../../../internal/edges/edge-hang-watch.js'
import { EdgeProber } from '../../../internal/edges/edge-prober.js'
import { waitFor } from '../../support/wait-for.js'

type Mode = { kind: 'answer', status: number } | { kind: 'slow', ms: number } | { kind: 'hold' }

/** A stand-in edge on port 0 whose health location answers, answers late, or holds every request. */
async function scriptedEdge (t: Test): Promise<{ url: string, set: (mode: Mode) => void, answered: () => number, close: () => Promise<void> }> {
  let mode: Mode = { kind: 'answer', status: 200 }
  let answered = 0
  const held: ServerResponse[] = []
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const m = mode
    if (m.kind === 'hold') { held.push(res); return }
    setTimeout(() => { answered++; res.writeHead(m.kind === 'answer' ? m.status : 200).end('ok\n') }, m.kind === 'slow' ? m.ms : 0)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  let closed = false
  const close = async (): Promise<void> => {
    if (closed) return
    closed = true
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  }
  t.teardown(close)
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, set: (m) => { mode = m }, answered: () => answered, close }
}

function watchWith (t: Test, policy: { roundMs: number, silentRounds: number }): { watch: EdgeHangWatch, hung: Array<{ port: number, silentMs: number, at: number }> } {
  const prober = new EdgeProber({ timeoutMs: policy.roundMs * (policy.silentRounds + 1) })
  const hung: Array<{ port: number, silentMs: number, at: number }> = []
  const watch = new EdgeHangWatch({ policy, prober, onHung: (port, silentMs) => { hung.push({ port, silentMs, at: Date.now() }) } })
  watch.start()
  t.teardown(async () => { watch.close(); await prober.close() })
  return { watch, hung }
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('an edge that stops answering is reported once, within the silent rounds', async (t) => {
  const edge = await scriptedEdge(t)
  const { watch, hung } = watchWith(t, { roundMs: 100, silentRounds: 3 })
  watch.watch(1, edge.url)
  // answering, even with an error status, is not a hang
  await sleep(400)
  edge.set({ kind: 'answer', status: 503 })
  await sleep(400)
  t.same(hung, [], 'answering edges are not reported')
  edge.set({ kind: 'hold' })
  const heldAt = Date.now()
  const report = await waitFor('the hang reported', () => hung[0], { timeoutMs: 5000, intervalMs: 10 })
  const toldMs = report.at - heldAt
  t.comment(`told in ${toldMs} ms (3 rounds of 100 ms), silent for ${report.silentMs} ms by then`)
  t.equal(report.port, 1)
  // the verdict counts rounds, not milliseconds: three 100 ms rounds of setInterval, whose fires
  // Date.now() can see up to 1 ms early each (a run reported 299 ms after exactly 3 rounds)
  t.ok(report.silentMs >= 3 * (100 - 1), `at least 3 rounds silent (${report.silentMs} ms)`)
  t.ok(toldMs < 2000, 'told within a few rounds')
  await sleep(500)
  t.equal(hung.length, 1, 'reported once')
  t.ok(watch.silentMs(1) >= 300, 'the silence is visible to the round probe')
  // a replacement is watched from scratch
  edge.set({ kind: 'answer', status: 200 })
  const answeredBefore = edge.answered()
  watch.watch(1, edge.url)
  await waitFor('the replacement to answer 3 probes', () => edge.answered() - answeredBefore >= 3, { timeoutMs: 5000, intervalMs: 10 })
  t.equal(hung.length, 1)
  // silentMs counts from the send of the probe in flight, so read it between two probes (a 100 ms
  // round and a local answer leave a few ms in flight each round): the held edge's silence is gone
  const silentBetweenProbes = await waitFor('a moment with no probe in flight', () => watch.silentMs(1) === 0 ? 0 : undefined, { timeoutMs: 5000, intervalMs: 1 })
  t.equal(silentBetweenProbes, 0)
  t.ok(watch.takeSent(1) >= 3, 'probes are counted for the load figure')
  t.equal(watch.takeSent(1), 0)
})

t.test('a loaded edge that answers late, within the silent rounds, is never reported', async (t) => {
  const edge = await scriptedEdge(t)
  edge.set({ kind: 'slow', ms: 250 })
  const { watch, hung } = watchWith(t, { roundMs: 100, silentRounds: 5 })
  watch.watch(2, edge.url)
  await sleep(2500)
  t.same(hung, [])
})

t.test('a refused connection is not a hang', async (t) => {
  const edge = await scriptedEdge(t)
  const { watch, hung } = watchWith(t, { roundMs: 100, silentRounds: 3 })
  await edge.close()
  watch.watch(3, edge.url)
  await sleep(1000)
  t.same(hung, [])
  t.ok(watch.takeSent(3) >= 5, 'it kept asking')
})

t.test('an unwatched edge is not judged', async (t) => {
  const edge = await scriptedEdge(t)
  edge.set({ kind: 'hold' })
  const { watch, hung } = watchWith(t, { roundMs: 100, silentRounds: 3 })
  watch.watch(4, edge.url)
  await sleep(150)
  watch.unwatch(4)
  await sleep(600)
  t.same(hung, [])
  t.equal(watch.silentMs(4), 0)
})
