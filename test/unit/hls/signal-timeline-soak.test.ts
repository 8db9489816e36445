import t from 'tap'
import type { MediaPlaylist } from '../../../internal/hls/media-playlist.js'
import type { SourceInput } from '../../../internal/hls/timeline-state.js'
import { findOutputSegment, lastOutputMsn } from '../../../internal/hls/signal-timeline.js'
import { updateSourceHealth, EMPTY_HEALTH } from '../../../internal/hls/source-health.js'
import type { HealthObservation, SourceHealthState } from '../../../internal/hls/source-health.js'
import { driver, epochSource, freeSource, seeded, source, SEG_MS } from '../../support/timeline-fixtures.js'

const T0 = 1_700_000_000_000
const STEP = 250
const TD_MS = 2000

type Mode = 'up' | 'dead' | 'frozen' | 'garbage' | 'lag' | 'restart'

/** One simulated packager with a seeded failure schedule. */
class SimSource {
  mode: Mode = 'up'
  until = 0
  frozen?: SourceInput
  restartMsn = 0
  constructor (readonly id: string, readonly kind: 'epoch' | 'free', readonly rnd: () => number, readonly modes: Mode[]) {}

  live (now: number): SourceInput | undefined {
    return this.kind === 'epoch' ? epochSource(now) : freeSource(now, T0 - 60_000, { phaseMs: 900 })
  }

  at (now: number): SourceInput | undefined {
    if (now >= this.until) {
      const up = this.rnd() < 0.55
      this.mode = up ? 'up' : (this.modes[Math.floor(this.rnd() * this.modes.length)] ?? 'dead')
      this.until = now + 1000 + Math.floor(this.rnd() * (up ? 30_000 : 15_000))
      this.frozen = this.mode === 'frozen' ? this.live(now) : undefined
      if (this.mode === 'restart') this.restartMsn = Math.floor(this.until / SEG_MS) // back after a gap, on the epoch
    }
    switch (this.mode) {
      case 'up': return this.live(now)
      case 'dead': case 'garbage': return undefined
      case 'frozen': return this.frozen
      case 'lag': return this.kind === 'epoch' ? epochSource(now, { lag: 1 }) : this.live(now - SEG_MS)
      case 'restart': {
        // The worker behind it died; it comes back on the epoch, listing only new segments.
        if (now < this.until - 8000) return undefined
        const newest = Math.floor(now / SEG_MS) - 1
        const first = Math.max(this.restartMsn - 4, newest - 5)
        return newest < first ? undefined : source({ first, count: newest - first + 1, pdtOfFirst: first * SEG_MS })
      }
    }
  }
}

function observation (id: string, now: number, src: SourceInput | undefined): HealthObservation {
  const p = src?.playlists.get('360p')
  const last = p?.segments[p.segments.length - 1]
  if (p === undefined || last === undefined) return { sourceId: id, at: now, ok: false, reason: 'down' }
  return { sourceId: id, at: now, ok: true, newestMsn: last.msn, newestDurationMs: last.duration * 1000, targetDurationMs: p.targetDuration * 1000 }
}

function newestPdt (p: MediaPlaylist | undefined): number {
  const s = p?.segments[p.segments.length - 1]
  return s?.programDateTimeMs ?? -Infinity
}

function soak (seed: number, sims: SimSource[], minutes: number): {
  violations: number, worstWaitMs: number, stitches: number, outputs: number, uncovered: number, gaps: number, advanced: number, firstViolation?: unknown
} {
  const d = driver()
  let health: SourceHealthState = EMPTY_HEALTH
  let availableSince: number | undefined
  let worstWaitMs = 0
  let uncovered = 0
  const gaps = new Set<number>()
  let prevLast: number | undefined
  const start = lastOutputMsn(d.result().state)
  for (let now = T0; now <= T0 + minutes * 60_000; now += STEP) {
    const raw = new Map(sims.map((s) => [s.id, s.at(now)] as const))
    const u = updateSourceHealth(health, [...raw].map(([id, s]) => observation(id, now, s)), now)
    health = u.state
    const sources = new Map<string, SourceInput>()
    for (const [id, s] of raw) sources.set(id, { playlists: s?.playlists ?? new Map(), eligible: u.verdicts[id]?.eligible === true })
    d.step(now, sources)
    const state = d.result().state
    const last = state.entries[state.entries.length - 1]
    if (last === undefined) continue
    // Rule 4: while an eligible source lists something newer than the output's end, the output
    // must grow within 1.5 target durations.
    const end = last.pdtMs + (last.renditions['360p']?.duration ?? 2) * 1000
    const ahead = [...sources.values()].some((s) => s.eligible && newestPdt(s.playlists.get('360p')) >= end - 250)
    if (last.msn !== prevLast) availableSince = ahead ? now : undefined
    else if (ahead && availableSince === undefined) availableSince = now
    else if (!ahead) availableSince = undefined
    if (availableSince !== undefined) worstWaitMs = Math.max(worstWaitMs, now - availableSince)
    prevLast = last.msn
    // Rule 5: every listed segment has somewhere to be fetched from (an EXT-X-GAP lists no media:
    // players skip it, and the origin answers its URI with an empty filler)
    for (const e of state.entries) {
      if (e.gap === true) { gaps.add(e.msn); continue }
      for (const r of state.renditions) {
        const name = e.renditions[r]?.name ?? ''
        if ((findOutputSegment(state, r, name)?.candidates.length ?? 0) === 0) uncovered++
      }
    }
  }
  const r = d.result()
  return {
    violations: r.violations.length,
    firstViolation: r.violations[0],
    worstWaitMs,
    stitches: r.stitches,
    outputs: (r.outputs.get('360p') ?? []).length,
    uncovered,
    gaps: gaps.size,
    advanced: (lastOutputMsn(r.state) ?? 0) - (start ?? lastOutputMsn(r.state) ?? 0)
  }
}

t.test('10 simulated minutes, two epoch-locked sources failing at random (seeded)', async (t) => {
  for (const seed of [1, 2, 3]) {
    const rnd = seeded(seed)
    const all: Mode[] = ['dead', 'frozen', 'garbage', 'lag', 'restart']
    const res = soak(seed, [new SimSource('a', 'epoch', rnd, all), new SimSource('b', 'epoch', rnd, all)], 10)
    t.equal(res.violations, 0, `seed ${seed}: 0 rule violations over ${res.outputs} outputs (${JSON.stringify(res.firstViolation)})`)
    t.ok(res.worstWaitMs <= 1.5 * TD_MS, `seed ${seed}: new segment within 1.5 TD whenever an eligible source had one (worst ${res.worstWaitMs} ms)`)
    t.equal(res.uncovered, 0, `seed ${seed}: every listed segment has a fetch candidate`)
    t.ok(res.outputs > 200, `seed ${seed}: the output kept moving (${res.outputs} outputs, ${res.stitches} stitches)`)
    t.comment(`seed ${seed}: outputs=${res.outputs} stitches=${res.stitches} gaps=${res.gaps} worstWait=${res.worstWaitMs}ms`)
  }
})

t.test('10 simulated minutes, two epoch-locked sources and a non-locked one, all failing (seeded)', async (t) => {
  for (const seed of [7, 8]) {
    const rnd = seeded(seed)
    const res = soak(seed, [
      new SimSource('a', 'epoch', rnd, ['dead', 'frozen', 'garbage', 'lag', 'restart']),
      new SimSource('b', 'epoch', rnd, ['dead', 'frozen', 'garbage', 'restart']),
      new SimSource('f', 'free', rnd, ['dead', 'frozen', 'garbage'])
    ], 10)
    t.equal(res.violations, 0, `seed ${seed}: 0 rule violations over ${res.outputs} outputs (${JSON.stringify(res.firstViolation)})`)
    t.ok(res.worstWaitMs <= 1.5 * TD_MS, `seed ${seed}: new segment within 1.5 TD whenever an eligible source had one (worst ${res.worstWaitMs} ms)`)
    t.equal(res.uncovered, 0, `seed ${seed}: every listed segment has a fetch candidate`)
    t.comment(`seed ${seed}: outputs=${res.outputs} stitches=${res.stitches} gaps=${res.gaps} worstWait=${res.worstWaitMs}ms`)
  }
})
