import t from 'tap'
import {
  INITIAL_HANG_STATE, judgeHang, planReplacement, probeEnded, probeSent,
  type HangPolicy, type HangState, type HangVerdict, type ProbeOutcome
} from '../../../internal/edges/edge-hang-detector.js'

const policy: HangPolicy = { roundMs: 500, silentRounds: 3 }

/**
 * Drives the detector as the hang watch does, on a fake clock: every round judge, then send a
 * probe unless one is awaited. `answerAfter(sentAt)` says when the edge answers a probe sent then
 * (undefined: never; `refused`: the connection is refused at once). Returns each round's verdict.
 */
function simulate (rounds: number, answerAfter: (sentAt: number) => number | 'refused' | undefined, roundAt = (i: number) => i * policy.roundMs): Array<{ at: number, verdict: HangVerdict }> {
  let state: HangState = INITIAL_HANG_STATE
  let pending: { at: number, outcome: ProbeOutcome } | undefined
  const out: Array<{ at: number, verdict: HangVerdict }> = []
  for (let i = 0; i < rounds; i++) {
    const now = roundAt(i)
    if (pending !== undefined && pending.at <= now) {
      state = probeEnded(state, pending.outcome)
      pending = undefined
    }
    const judgement = judgeHang(policy, state, now)
    state = judgement.state
    out.push({ at: now, verdict: judgement.verdict })
    if (judgement.verdict === 'hung') break
    if (pending === undefined) {
      state = probeSent(state, now)
      const answer = answerAfter(now)
      if (answer === 'refused') pending = { at: now + 1, outcome: 'refused' }
      else if (answer !== undefined) pending = { at: now + answer, outcome: 'answered' }
      else pending = { at: Infinity, outcome: 'unanswered' }
    }
  }
  return out
}

t.test('an edge that answers is never hung', async (t) => {
  const run = simulate(200, () => 3)
  t.equal(run.length, 200)
  t.notOk(run.some((r) => r.verdict === 'hung'))
})

t.test('a frozen edge is hung after 3 silent rounds: 1.5 to 2 s after it froze', async (t) => {
  for (const frozeAt of [4000, 4001, 4250, 4499, 4500]) {
    const run = simulate(100, (sentAt) => (sentAt >= frozeAt ? undefined : 3))
    const hung = run.at(-1)
    t.equal(hung?.verdict, 'hung', `froze at ${frozeAt}`)
    const detectMs = (hung?.at ?? 0) - frozeAt
    t.ok(detectMs >= 1500 && detectMs <= 2000, `froze at ${frozeAt}: told in ${detectMs} ms`)
    t.same(run.slice(-3, -1).map((r) => r.verdict), ['waiting', 'waiting'], 'two rounds of waiting before the verdict')
  }
})

t.test('a loaded edge that answers late, but within the silent rounds, is not hung', async (t) => {
  // answers after 1.2 s every time, and after 1.45 s now and then: slow, not hung
  const run = simulate(400, (sentAt) => (sentAt % 3000 === 0 ? 1450 : 1200))
  t.notOk(run.some((r) => r.verdict === 'hung'))
  t.ok(run.some((r) => r.verdict === 'waiting'), 'it was waited on')
})

t.test('an answer after 3 rounds comes too late: hung', async (t) => {
  const run = simulate(100, (sentAt) => (sentAt >= 2000 ? 1600 : 3))
  t.equal(run.at(-1)?.verdict, 'hung')
})

t.test('any answer resets the silence, however late', async (t) => {
  let state = probeSent(INITIAL_HANG_STATE, 0)
  state = judgeHang(policy, state, 500).state
  state = judgeHang(policy, state, 1000).state
  t.equal(state.silentRounds, 2)
  state = probeEnded(state, 'answered')
  t.equal(state.waitingSince, undefined)
  t.equal(state.silentRounds, 0)
  const j = judgeHang(policy, state, 1500)
  t.equal(j.verdict, 'answering')
  t.equal(j.silentMs, 0)
})

t.test('a refused connection is not a hang (the liveness check deals with a dead edge)', async (t) => {
  const run = simulate(100, () => 'refused')
  t.notOk(run.some((r) => r.verdict === 'hung'))
})

t.test('a probe given up on keeps the silence counting from the first unanswered probe', async (t) => {
  let state = probeSent(INITIAL_HANG_STATE, 1000)
  state = probeEnded(state, 'unanswered')
  state = probeSent(state, 1500)
  t.equal(state.waitingSince, 1000)
  const j = judgeHang(policy, state, 1600)
  t.equal(j.silentMs, 600)
})

t.test('a late round (the manager itself stalled) does not count towards a hang', async (t) => {
  let state = probeSent(INITIAL_HANG_STATE, 0)
  let j = judgeHang(policy, state, 500)
  t.equal(j.verdict, 'waiting')
  // the manager's loop stalls for 3 s: answers may be unread in its sockets
  j = judgeHang(policy, j.state, 3500)
  t.equal(j.verdict, 'waiting', 'no verdict from a round after a stall')
  t.equal(j.state.silentRounds, 1)
  j = judgeHang(policy, j.state, 4000)
  t.equal(j.verdict, 'waiting')
  j = judgeHang(policy, j.state, 4500)
  t.equal(j.verdict, 'hung', 'rounds on time count again')
  // and the answer read right after the stall clears it
  state = probeEnded(judgeHang(policy, probeSent(INITIAL_HANG_STATE, 0), 500).state, 'answered')
  t.equal(judgeHang(policy, state, 3500).verdict, 'answering')
})

t.test('timer jitter: rounds are counted, so a round a little early cannot judge early', async (t) => {
  // rounds 499 ms apart: the verdict still needs three of them
  const run = simulate(100, (sentAt) => (sentAt >= 998 ? undefined : 3), (i) => i * 499)
  t.equal(run.at(-1)?.verdict, 'hung')
  t.equal(run.filter((r) => r.verdict === 'waiting').length, 2)
})

t.test('state is never mutated', async (t) => {
  const frozen = Object.freeze(probeSent(INITIAL_HANG_STATE, 0))
  t.doesNotThrow(() => judgeHang(policy, frozen, 500))
  t.doesNotThrow(() => probeEnded(frozen, 'answered'))
  t.ok(Object.isFrozen(INITIAL_HANG_STATE))
})

t.test('replacement plan', async (t) => {
  t.equal(planReplacement('start-first', { draining: false, running: true }), 'start-beside')
  t.equal(planReplacement('kill-first', { draining: false, running: true }), 'kill-then-start', 'the old order, on request')
  t.equal(planReplacement('start-first', { draining: false, running: false }), 'replace-dead', 'a dead master is the liveness path\'s hand-over')
  t.equal(planReplacement('kill-first', { draining: true, running: false }), 'replace-dead')
  t.equal(planReplacement('start-first', { draining: true, running: true }), 'kill-only', 'a draining edge is on its way out')
  t.equal(planReplacement('kill-first', { draining: true, running: true }), 'kill-only')
})
