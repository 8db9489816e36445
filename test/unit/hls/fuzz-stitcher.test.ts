import t from 'tap'
import fc from 'fast-check'
import type { SourceInput } from '../../../internal/hls/timeline-state.js'
import { findOutputSegment } from '../../../internal/hls/signal-timeline.js'
import { driver, epochSource, freeSource, source, SEG_MS, RENDITIONS } from '../../support/timeline-fixtures.js'

// Random sequences of what two or three packagers list (and how they fail) fed to advanceTimeline;
// the driver runs the independent rule checker (internal/hls/playlist-rules.ts) on every output.
const SEED = 8216
const T0 = 1_700_000_000_000

type Behaviour =
  | { kind: 'up' } | { kind: 'dead' } | { kind: 'frozen' } | { kind: 'lag', by: number }
  | { kind: 'ineligible' } | { kind: 'restart', back: number } | { kind: 'free', startedAgoS: number, phaseMs: number }
  | { kind: 'jump', by: number } | { kind: 'partial' } | { kind: 'short', window: number } | { kind: 'nopdt' }

const behaviour: fc.Arbitrary<Behaviour> = fc.oneof(
  { weight: 6, arbitrary: fc.constant({ kind: 'up' as const }) },
  fc.constant({ kind: 'dead' as const }),
  fc.constant({ kind: 'frozen' as const }),
  fc.constant({ kind: 'ineligible' as const }),
  fc.constant({ kind: 'partial' as const }),
  fc.constant({ kind: 'nopdt' as const }),
  fc.record({ kind: fc.constant('lag' as const), by: fc.integer({ min: 1, max: 4 }) }),
  fc.record({ kind: fc.constant('restart' as const), back: fc.integer({ min: 1, max: 20 }) }),
  fc.record({ kind: fc.constant('jump' as const), by: fc.integer({ min: -50, max: 50 }) }),
  fc.record({ kind: fc.constant('short' as const), window: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('free' as const), startedAgoS: fc.integer({ min: 3, max: 600 }), phaseMs: fc.integer({ min: 0, max: 1999 }) })
)

/** One phase: every source keeps a behaviour for `steps` steps of `stepMs`. */
const phase = fc.record({
  steps: fc.integer({ min: 1, max: 40 }),
  stepMs: fc.constantFrom(250, 500, 1000),
  sources: fc.array(behaviour, { minLength: 2, maxLength: 3 })
})

function inputFor (b: Behaviour, now: number, frozen: SourceInput | undefined): SourceInput | undefined {
  switch (b.kind) {
    case 'up': return epochSource(now)
    case 'dead': return undefined
    case 'frozen': return frozen ?? epochSource(now)
    case 'ineligible': return epochSource(now, { eligible: false })
    case 'lag': return epochSource(now, { lag: b.by })
    case 'partial': return epochSource(now, { renditions: [RENDITIONS[0]] })
    case 'short': return epochSource(now, { window: b.window })
    case 'nopdt': {
      const newest = Math.floor(now / SEG_MS) - 1
      return source({ first: newest - 5, count: 6 })
    }
    case 'restart': {
      // came back with its numbering from an earlier point: sequence numbers behind the output's
      const newest = Math.floor(now / SEG_MS) - 1 - b.back
      return source({ first: newest - 5, count: 6, pdtOfFirst: (newest - 5) * SEG_MS })
    }
    case 'jump': {
      // numbering shifted against its own clock (a foreign packager's idea of the sequence)
      const newest = Math.floor(now / SEG_MS) - 1
      return source({ first: newest - 5 + b.by, count: 6, pdtOfFirst: (newest - 5) * SEG_MS })
    }
    case 'free': return freeSource(now, now - b.startedAgoS * 1000, { phaseMs: b.phaseMs })
  }
}

function run (phases: ReadonlyArray<{ steps: number, stepMs: number, sources: readonly Behaviour[] }>): { violations: unknown[], uncovered: number, outputs: number } {
  const d = driver()
  let now = T0
  const frozen = new Map<string, SourceInput | undefined>()
  let uncovered = 0
  for (const p of phases) {
    for (let i = 0; i < p.steps; i++) {
      now += p.stepMs
      const sources = new Map<string, SourceInput>()
      p.sources.forEach((b, index) => {
        const id = `s${index}`
        if (b.kind !== 'frozen') frozen.set(id, undefined)
        const input = inputFor(b, now, frozen.get(id))
        if (b.kind === 'frozen' && frozen.get(id) === undefined) frozen.set(id, input)
        sources.set(id, input ?? { playlists: new Map(), eligible: false })
      })
      d.step(now, sources)
      const state = d.result().state
      for (const e of state.entries) {
        for (const r of state.renditions) {
          if ((findOutputSegment(state, r, e.renditions[r]?.name ?? '')?.candidates.length ?? 0) === 0) uncovered++
        }
      }
    }
  }
  return { violations: d.result().violations, uncovered, outputs: d.result().changes.length }
}

t.test('random packager behaviour sequences: advanceTimeline never throws, the rule checker finds 0 violations', async (t) => {
  let runs = 0
  let outputs = 0
  const prop = fc.property(fc.array(phase, { minLength: 1, maxLength: 12 }), (phases) => {
    runs++
    const r = run(phases)
    outputs += r.outputs
    if (r.violations.length > 0) throw new Error(`violations: ${JSON.stringify(r.violations.slice(0, 3))}`)
    if (r.uncovered > 0) throw new Error(`${r.uncovered} listed segments had no fetch candidate`)
  })
  t.doesNotThrow(() => { fc.assert(prop, { seed: SEED, numRuns: 200 }) }, 'seeded, 200 sequences')
  // the property is only worth something if the timeline really moved
  t.ok(runs >= 200 && outputs > runs * 5, `${runs} sequences, ${outputs} checked output changes`)
})
