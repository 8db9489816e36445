import t from 'tap'
import fc from 'fast-check'
import { updateSourceHealth, EMPTY_HEALTH } from '../../../internal/hls/source-health.js'
import type { HealthObservation, SourceHealthState, SourceVerdict } from '../../../internal/hls/source-health.js'

const TD = 2000
const ok = (sourceId: string, at: number, newestMsn: number): HealthObservation => ({ sourceId, at, ok: true, newestMsn, newestDurationMs: TD, targetDurationMs: TD })
const err = (sourceId: string, at: number): HealthObservation => ({ sourceId, at, ok: false, reason: 'ECONNREFUSED' })

/**
 * Polls every 250 ms from `from` to `to`; `poll` says what source a answered at that time. Unless
 * `alone`, a second source b advances all along, so a recovering a has something to be held against.
 */
function run (state: SourceHealthState, from: number, to: number, poll: (now: number) => HealthObservation | undefined, alone = false): { state: SourceHealthState, verdicts: Array<[number, SourceVerdict | undefined]> } {
  const verdicts: Array<[number, SourceVerdict | undefined]> = []
  for (let now = from; now <= to; now += 250) {
    const o = poll(now)
    const observations = [...(o === undefined ? [] : [o]), ...(alone ? [] : [ok('b', now, Math.floor(now / TD))])]
    const u = updateSourceHealth(state, observations, now)
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

t.test('the only source is taken back at once after a fall: a hold with nothing to hold against', async (t) => {
  const r = run(EMPTY_HEALTH, 0, 20_000, (now) => now >= 5000 && now < 8000 ? err('a', now) : advancing(now), true)
  t.match(r.verdicts.find(([now]) => now === 7000)?.[1], { up: false, eligible: false })
  t.equal(r.verdicts.find(([now, v]) => now >= 8000 && v?.eligible === true)?.[0], 8000, 'eligible on its first good poll')
})

t.test('every source fell at once: the first one back serves at once, the next one back is held', async (t) => {
  let state = EMPTY_HEALTH
  const seen: Array<[number, Readonly<Record<string, SourceVerdict>>]> = []
  for (let now = 0; now <= 30_000; now += 250) {
    const msn = Math.floor(now / TD)
    // both frozen (no answer) from 5 s; a back at 10 s, b back at 12 s
    const observations = [
      ...(now < 5000 || now >= 10_000 ? [ok('a', now, msn)] : []),
      ...(now < 5000 || now >= 12_000 ? [ok('b', now, msn)] : [])
    ]
    const u = updateSourceHealth(state, observations, now)
    state = u.state
    seen.push([now, u.verdicts])
  }
  const at = (ms: number): Readonly<Record<string, SourceVerdict>> | undefined => seen.find(([now]) => now === ms)?.[1]
  t.match(at(9750), { a: { eligible: false, reason: 'no answer' }, b: { eligible: false, reason: 'no answer' } }, 'both down while frozen')
  t.match(at(10_000), { a: { up: true, eligible: true } }, 'a serves on its first good poll')
  t.match(at(12_000), { a: { eligible: true }, b: { up: true, eligible: false, reason: 'held after recovery' } }, 'b is held: a can serve')
  t.match(at(12_000 + 3 * TD), { b: { eligible: true } }, 'b after the full hold')
})

t.test('property: while any source is up, some source is eligible', async (t) => {
  const step = fc.record({
    a: fc.constantFrom('ok', 'err', 'silent'),
    b: fc.constantFrom('ok', 'err', 'silent'),
    c: fc.constantFrom('ok', 'err', 'silent'),
    advance: fc.boolean()
  })
  fc.assert(fc.property(fc.array(step, { minLength: 1, maxLength: 200 }), (steps) => {
    let state = EMPTY_HEALTH
    let msn = 0
    for (const [i, s] of steps.entries()) {
      const now = i * 250
      if (s.advance) msn++
      const observations: HealthObservation[] = []
      for (const id of ['a', 'b', 'c'] as const) {
        if (s[id] === 'ok') observations.push(ok(id, now, msn))
        else if (s[id] === 'err') observations.push(err(id, now))
      }
      const u = updateSourceHealth(state, observations, now)
      state = u.state
      const verdicts = Object.values(u.verdicts)
      if (verdicts.some((v) => v.up) && !verdicts.some((v) => v.eligible)) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass('held sources never leave the output with nothing while one is up')
})

t.test('a lower MSN is not progress: a source that goes back once and then stands still goes stale', async (t) => {
  // a restarted at 3 at 10 s and lists nothing new after it
  const r = run(EMPTY_HEALTH, 0, 20_000, (now) => ok('a', now, now < 10_000 ? Math.floor(now / TD) : 3))
  const firstStale = r.verdicts.find(([, v]) => v?.reason?.startsWith('stale') === true)?.[0]
  // its last advance was MSN 4 at 8 s: counting the step back as one would put staleness 2 s later
  t.ok(firstStale !== undefined && firstStale <= 8000 + 2 * TD + 250, `stale at ${firstStale ?? 'never'}: the step back did not count as an advance`)
})

t.test('a worker restarted at 0 goes back once and is followed on its new timeline', async (t) => {
  // not epoch-locked: numbering starts again at 0 at 10 s and advances from there
  const r = run(EMPTY_HEALTH, 0, 30_000, (now) => ok('a', now, now < 10_000 ? Math.floor(now / TD) : Math.floor((now - 10_000) / TD)))
  t.ok(r.verdicts.every(([, v]) => v?.up === true), 'never down')
  t.ok(r.verdicts.every(([, v]) => v?.reason?.startsWith('out of step') !== true), 'one rewind is not a fault')
  t.equal(r.verdicts[r.verdicts.length - 1]?.[1]?.eligible, true, 'eligible on its new timeline')
})

t.test('a source whose MSN keeps going back and forth is down, out of step, and held after it stops', async (t) => {
  // from 5 s to 15 s every other poll answers a timeline 40 segments behind
  const oscillating = (now: number): HealthObservation => ok('a', now, Math.floor(now / TD) - (now >= 5000 && now < 15_000 && now % 500 === 0 ? 40 : 0))
  const r = run(EMPTY_HEALTH, 0, 60_000, oscillating)
  const first = r.verdicts.find(([, v]) => v?.up === false)
  t.ok(first !== undefined && first[0] <= 5000 + 1000, `down soon after it starts (${first?.[0] ?? 'never'})`)
  t.match(first?.[1]?.reason, /^out of step: media sequence went backwards 2 times/)
  t.equal(r.verdicts.filter(([now, v]) => now >= 6000 && now < 15_000 && v?.up === true).length, 0, 'never up while it oscillates')
  const back = r.verdicts.find(([now, v]) => now >= 15_000 && v?.eligible === true)?.[0]
  // the second to last rewind (14 s) leaves the 10 TD window at 34 s, then the 3 TD hold runs
  t.ok(back !== undefined && back >= 14_000 + 10 * TD + 3 * TD && back <= 15_000 + 10 * TD + 3 * TD, `eligible again only after the rewinds age out and the hold (${back ?? 'never'})`)
})

t.test('property: a step back never counts as an advance, and two of them in the window make a source down', async (t) => {
  fc.assert(fc.property(fc.array(fc.integer({ min: -3, max: 3 }), { minLength: 1, maxLength: 120 }), (deltas) => {
    let state = EMPTY_HEALTH
    let msn = 1000
    let lastForwardAt: number | undefined
    const backs: number[] = []
    for (const [i, d] of deltas.entries()) {
      const now = i * 250
      const previous = state.sources.a?.newestMsn
      msn += d
      const u = updateSourceHealth(state, [ok('a', now, msn)], now)
      state = u.state
      if (previous === undefined || msn > previous) lastForwardAt = now
      if (previous !== undefined && msn < previous) backs.push(now)
      if (state.sources.a?.lastAdvanceAt !== lastForwardAt) return false
      const recentBacks = backs.filter((at) => now - at <= 10 * TD).length
      if (recentBacks >= 2 && u.verdicts.a?.up !== false) return false
      if (recentBacks >= 2 && u.verdicts.a?.reason?.startsWith('out of step') !== true) return false
    }
    return true
  }), { numRuns: 300 })
  t.pass('lastAdvanceAt moves only on a higher MSN; repeated rewinds always mean down')
})
