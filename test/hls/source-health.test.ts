import t from 'tap'
import { updateSourceHealth, EMPTY_HEALTH } from '../../internal/hls/source-health.js'
import type { HealthObservation, SourceHealthState, SourceVerdict } from '../../internal/hls/source-health.js'

const TD = 2000
const ok = (sourceId: string, at: number, newestMsn: number): HealthObservation => ({ sourceId, at, ok: true, newestMsn, newestDurationMs: TD, targetDurationMs: TD })
const err = (sourceId: string, at: number): HealthObservation => ({ sourceId, at, ok: false, reason: 'ECONNREFUSED' })

/** Polls every 250 ms from `from` to `to`; `poll` says what the source answered at that time. */
function run (state: SourceHealthState, from: number, to: number, poll: (now: number) => HealthObservation | undefined): { state: SourceHealthState, verdicts: Array<[number, SourceVerdict | undefined]> } {
  const verdicts: Array<[number, SourceVerdict | undefined]> = []
  for (let now = from; now <= to; now += 250) {
    const o = poll(now)
    const u = updateSourceHealth(state, o === undefined ? [] : [o], now)
    state = u.state
    verdicts.push([now, u.verdicts.a])
  }
  return { state, verdicts }
}

const advancing = (now: number): HealthObservation => ok('a', now, Math.floor(now / TD))

t.test('a healthy advancing source is eligible at once', async (t) => {
  const r = run(EMPTY_HEALTH, 0, 10_000, advancing)
  t.ok(r.verdicts.every(([, v]) => v?.eligible === true))
})

t.test('an error makes it ineligible with the reason', async (t) => {
  const r = updateSourceHealth(EMPTY_HEALTH, [ok('a', 0, 1), err('a', 100)], 100)
  t.same(r.verdicts.a, { up: false, eligible: false, reason: 'ECONNREFUSED' })
})

t.test('a frozen source (answers, does not advance) goes stale after about one TD beyond expected', async (t) => {
  const r = run(EMPTY_HEALTH, 0, 20_000, (now) => ok('a', now, now < 10_000 ? Math.floor(now / TD) : 5))
  const firstStale = r.verdicts.find(([, v]) => v?.reason?.startsWith('stale') === true)?.[0]
  t.ok(firstStale !== undefined && firstStale > 10_000 && firstStale <= 10_000 + 2 * TD + 250, `stale at ${firstStale ?? 'never'}`)
})

t.test('a silent source (no answers) goes down', async (t) => {
  const r = run(EMPTY_HEALTH, 0, 10_000, (now) => now < 4000 ? advancing(now) : undefined)
  t.match(r.verdicts[r.verdicts.length - 1]?.[1], { eligible: false, reason: 'no answer' })
})

t.test('after a fall, a source is held for 3 TD of health before it is eligible again', async (t) => {
  const r = run(EMPTY_HEALTH, 0, 30_000, (now) => now >= 5000 && now < 8000 ? err('a', now) : advancing(now))
  const backAt = r.verdicts.find(([now, v]) => now >= 8000 && v?.eligible === true)?.[0]
  t.equal(backAt, 8000 + 3 * TD, 'eligible exactly after the hold')
  t.match(r.verdicts.find(([now]) => now === 9000)?.[1], { up: true, eligible: false, reason: 'held after recovery', eligibleAt: 14_000 })
})

t.test('flapping: a source that comes and goes every few seconds stays out, with a growing hold', async (t) => {
  // up 4 s, down 2 s, for a minute: up spells are shorter than the (doubling) hold.
  const r = run(EMPTY_HEALTH, 0, 60_000, (now) => now > 2000 && now % 6000 >= 4000 ? err('a', now) : advancing(now))
  const eligibleAfterFirstFall = r.verdicts.filter(([now, v]) => now > 6000 && v?.eligible === true).length
  t.equal(eligibleAfterFirstFall, 0, 'never eligible again while flapping')
  let flips = 0
  r.verdicts.forEach(([, v], i) => { if (i > 0 && v?.eligible !== r.verdicts[i - 1]?.[1]?.eligible) flips++ })
  t.ok(flips <= 1, `eligibility changed ${flips} time(s) in a minute`)
  // Once it calms down it comes back, after the longer hold.
  const calm = run(r.state, 60_250, 120_000, advancing)
  const back = calm.verdicts.find(([, v]) => v?.eligible === true)?.[0]
  t.ok(back !== undefined && back - 60_250 > 3 * TD, `back after a longer hold (${back === undefined ? 'never' : back - 60_250} ms)`)
})

t.test('a source that never answered is not held when it first comes up', async (t) => {
  const r = run(EMPTY_HEALTH, 0, 5000, (now) => now < 2000 ? err('a', now) : advancing(now))
  t.equal(r.verdicts.find(([now]) => now === 2000)?.[1]?.eligible, true)
})

t.test('state is plain data', async (t) => {
  const r = run(EMPTY_HEALTH, 0, 10_000, (now) => now < 5000 ? advancing(now) : err('a', now))
  t.same(JSON.parse(JSON.stringify(r.state)), r.state)
})
