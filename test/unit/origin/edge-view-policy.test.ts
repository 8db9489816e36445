import t from 'tap'
import fc from 'fast-check'
import {
  applyProbeResults, applyReporterEdges, decideEdges, edgesToProbe, INITIAL_EDGE_VIEW, markReporterAway,
  type EdgeViewOptions, type EdgeViewState
} from '../../../internal/origin/edge-view-policy.js'
import type { EdgeTarget } from '../../../internal/origin/reporter-view.js'

const SEED = 20240405
const A = 'http://127.0.0.1:8101'
const B = 'http://127.0.0.1:8102'
const C = 'http://127.0.0.1:8103'
const OPTS: EdgeViewOptions = { probe: true, failuresToDrop: 3, maxStaleMs: 5000, unlistedGraceMs: 30_000 }
const live = (...urls: string[]): EdgeTarget[] => urls.map((url) => ({ url, draining: false }))
const urls = (edges: readonly EdgeTarget[]): string[] => edges.map((e) => e.url)

/** A fake clock and the policy driven the way ReporterView drives it. */
class Sim {
  now = 0
  state: EdgeViewState = INITIAL_EDGE_VIEW
  constructor (readonly options: EdgeViewOptions = OPTS) {}
  reporter (edges: readonly EdgeTarget[]): EdgeTarget[] { this.state = applyReporterEdges(this.state, edges, this.now); return this.decide() }
  away (): EdgeTarget[] { this.state = markReporterAway(this.state); return this.decide() }
  probe (answer: (url: string) => boolean): EdgeTarget[] {
    const targets = edgesToProbe(this.state, this.options)
    this.state = applyProbeResults(this.state, new Map(targets.map((u) => [u, answer(u)])), this.now)
    return this.decide()
  }

  decide (): EdgeTarget[] {
    const d = decideEdges(this.state, this.now, this.options)
    this.state = d.state
    return d.edges
  }

  tick (ms: number): this { this.now += ms; return this }
}

t.test('issue 10 case 3: the reporter away 60 s while the edges serve keeps every edge', async (t) => {
  const sim = new Sim()
  t.same(urls(sim.reporter(live(B, A, C))), [A, B, C], 'sorted')
  sim.tick(1000).away()
  t.same(edgesToProbe(sim.state, OPTS), [A, B, C], 'only the edges the reporter listed are probed')
  for (let s = 0; s < 60; s++) t.same(urls(sim.tick(1000).probe(() => true)), [A, B, C])
  t.same(urls(sim.reporter(live(A, B, C))), [A, B, C], 'the reporter comes back: same set')
  t.same(edgesToProbe(sim.state, OPTS), [], 'and the probes stop')
})

t.test('while away an edge goes only after N failed probes in a row, and comes back when it answers', async (t) => {
  const sim = new Sim()
  sim.reporter(live(A, B))
  sim.tick(1000).away()
  t.same(urls(sim.tick(1000).probe((u) => u !== B)), [A, B], '1 failure: kept')
  t.same(urls(sim.tick(1000).probe(() => true)), [A, B], 'an answer resets the count')
  t.same(urls(sim.tick(1000).probe((u) => u !== B)), [A, B], '1')
  t.same(urls(sim.tick(1000).probe((u) => u !== B)), [A, B], '2')
  t.same(urls(sim.tick(1000).probe((u) => u !== B)), [A], '3 in a row: dropped')
  t.same(edgesToProbe(sim.state, OPTS), [A, B], 'still probed while the reporter is away')
  t.same(urls(sim.tick(1000).probe(() => true)), [A, B], 'back when it answers')
})

t.test('the reporter back rules: what it lists is live, what it no longer lists drains while it answers', async (t) => {
  const sim = new Sim()
  sim.reporter(live(A, B))
  sim.tick(1000).away()
  for (let s = 0; s < 60; s++) sim.tick(1000).probe(() => true)
  // a restarted reporter has not heard the edges' heartbeats yet
  t.same(sim.reporter([]), [{ url: A, draining: true }, { url: B, draining: true }], 'kept, draining, pending a probe')
  t.same(edgesToProbe(sim.state, OPTS), [A, B], 'probed at once')
  t.same(sim.tick(100).probe((u) => u === A), [{ url: A, draining: true }], 'one that does not answer goes at once: reporter and probe agree')
  t.same(sim.tick(900).reporter(live(A)), live(A), 'listed again: live')
  t.same(sim.tick(1000).reporter(live(C)), [{ url: A, draining: true }, { url: C, draining: false }])
  for (let s = 0; s < 29; s++) t.same(urls(sim.tick(1000).probe(() => true)), [A, C], 'kept while it answers')
  t.same(urls(sim.tick(1000).probe(() => true)), [C], 'an unlisted edge stays at most EDGE_UNLISTED_GRACE')
  t.same([...sim.state.known.keys()], [C], 'and is forgotten: never probed again')
})

t.test('probing off: the last set is trusted EDGE_VIEW_MAX_STALE, then dropped (the old rule); unlisted edges go at once', async (t) => {
  const sim = new Sim({ ...OPTS, probe: false })
  sim.reporter(live(A, B))
  t.same(urls(sim.reporter(live(A))), [A], 'unlisted: gone at once without probes')
  sim.tick(1000).away()
  t.same(edgesToProbe(sim.state, sim.options), [], 'nothing probed')
  t.same(urls(sim.tick(4000).decide()), [A])
  t.same(urls(sim.tick(1).decide()), [], 'past EDGE_VIEW_MAX_STALE since the last answer')
  t.same(urls(sim.tick(1000).reporter(live(A))), [A])
})

t.test('EDGE_VIEW_MAX_STALE also bounds a probed edge that never gets a verdict', async (t) => {
  const sim = new Sim()
  sim.reporter(live(A))
  sim.away()
  t.same(urls(sim.tick(5000).decide()), [A], 'no probe result yet: within the window')
  t.same(urls(sim.tick(1).decide()), [], 'no good word for longer: dropped')
  t.same(urls(sim.tick(1000).probe(() => true)), [A], 'an answer brings it back')
})

t.test('answers for hosts the reporter never listed change nothing', async (t) => {
  const sim = new Sim()
  sim.reporter(live(A))
  sim.away()
  const before = sim.state
  t.equal(applyProbeResults(before, new Map([['http://169.254.169.254', true]]), 5), before)
})

// random lives of the reporter and the edges: reporter answers, absences, probe answers, time
const URLS = [A, B, C, 'http://10.0.0.9:80']
const step = fc.oneof(
  fc.record({ kind: fc.constant('reporter' as const), edges: fc.uniqueArray(fc.record({ url: fc.constantFrom(...URLS), draining: fc.boolean() }), { selector: (e) => e.url, maxLength: 4 }) }),
  fc.record({ kind: fc.constant('away' as const) }),
  fc.record({ kind: fc.constant('probe' as const), up: fc.subarray(URLS), extra: fc.constantFrom('http://evil.example', 'http://127.0.0.1:1') }),
  fc.record({ kind: fc.constant('tick' as const), ms: fc.integer({ min: 0, max: 20_000 }) })
)

t.test('properties over random histories', async (t) => {
  let runs = 0
  let awayDecisions = 0
  const prop = fc.property(fc.array(step, { maxLength: 60 }), fc.integer({ min: 1, max: 5 }), fc.boolean(), (steps, n, probe) => {
    runs++
    const options: EdgeViewOptions = { probe, failuresToDrop: n, maxStaleMs: 30_000, unlistedGraceMs: 30_000 }
    const sim = new Sim(options)
    const everListed = new Set<string>()
    let lastReported: EdgeTarget[] | undefined
    let lastAnswerAt = 0
    let away = true
    const failuresInARow = new Map<string, number>()
    const lastGood = new Map<string, number>()
    for (const s of steps) {
      let edges: EdgeTarget[]
      if (s.kind === 'reporter') {
        for (const e of s.edges) { everListed.add(e.url); failuresInARow.set(e.url, 0); lastGood.set(e.url, sim.now) }
        lastReported = s.edges
        lastAnswerAt = sim.now
        away = false
        edges = sim.reporter(s.edges)
      } else if (s.kind === 'away') {
        away = true
        edges = sim.away()
      } else if (s.kind === 'probe') {
        const targets = edgesToProbe(sim.state, options)
        // no new hosts: only ever-listed edges are probed
        for (const u of targets) if (!everListed.has(u)) return false
        for (const u of targets) {
          const ok = s.up.includes(u)
          failuresInARow.set(u, ok ? 0 : (failuresInARow.get(u) ?? 0) + 1)
          if (ok) lastGood.set(u, sim.now)
        }
        const results = new Map(targets.map((u) => [u, s.up.includes(u)]))
        results.set(s.extra, true)
        sim.state = applyProbeResults(sim.state, results, sim.now)
        edges = sim.decide()
      } else {
        edges = sim.tick(s.ms).decide()
      }
      // never a host the reporter did not list
      for (const e of edges) if (!everListed.has(e.url)) return false
      if (lastReported === undefined) continue
      const listed = new Map(lastReported.map((e) => [e.url, e.draining]))
      if (!away) {
        // the reporter readable: everything it lists is there as it says; anything else drains
        for (const [url, draining] of listed) if (!edges.some((e) => e.url === url && e.draining === draining)) return false
        for (const e of edges) if (!listed.has(e.url) && !e.draining) return false
        if (!probe && edges.length !== listed.size) return false
      } else {
        awayDecisions++
        for (const [url, draining] of listed) {
          const present = edges.find((e) => e.url === url)
          const fresh = sim.now - (probe ? (lastGood.get(url) ?? lastAnswerAt) : lastAnswerAt) <= options.maxStaleMs
          // while away, a listed edge stays exactly while it is not N failures down and had a good word lately
          const expected = fresh && (!probe || (failuresInARow.get(url) ?? 0) < n)
          if ((present !== undefined) !== expected) return false
          if (present !== undefined && present.draining !== draining) return false
        }
      }
    }
    return true
  })
  t.doesNotThrow(() => { fc.assert(prop, { seed: SEED, numRuns: 500 }) }, 'seeded, 500 histories')
  t.ok(runs >= 500 && awayDecisions > runs / 2, `${runs} histories, ${awayDecisions} decisions while the reporter was away`)
})
