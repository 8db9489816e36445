import t from 'tap'
import type { SourceInput } from '../../../internal/hls/timeline-state.js'
import { findOutputSegment, lastOutputMsn, renderTimeline, timelineDiscontinuitySequence, advanceTimeline } from '../../../internal/hls/signal-timeline.js'
import { EMPTY_TIMELINE } from '../../../internal/hls/timeline-state.js'
import { updateSourceHealth, EMPTY_HEALTH } from '../../../internal/hls/source-health.js'
import type { HealthObservation, SourceHealthState } from '../../../internal/hls/source-health.js'
import { parseMediaPlaylist } from '../../../internal/hls/playlist-parser.js'
import { serializeMediaPlaylist } from '../../../internal/hls/playlist-serializer.js'
import { driver, epochSource, freeSource, lastOutput, mediaPlaylist, RENDITIONS, SEG_MS, source } from '../../support/timeline-fixtures.js'
import type { RunOutput } from '../../support/timeline-fixtures.js'

const T0 = 1_700_000_000_000
const STEP = 250

function simulate (from: number, to: number, sources: (now: number) => Map<string, SourceInput>): RunOutput {
  const d = driver()
  for (let now = from; now <= to; now += STEP) d.step(now, sources(now))
  return d.result()
}

function msnsOf (r: RunOutput): number[] { return lastOutput(r).segments.map((s) => s.msn) }
const newestEpochMsn = (now: number): number => Math.floor(now / SEG_MS) - 1

/** Renditions must share MSNs, discontinuity flags and DS in every output (RFC 8216bis 6.2.4). */
function renditionsMatch (r: RunOutput): boolean {
  const a = r.outputs.get(RENDITIONS[0]) ?? []
  const b = r.outputs.get(RENDITIONS[1]) ?? []
  if (a.length === 0 || a.length !== b.length) return false
  return a.every((p, i) => {
    const q = b[i]
    return q !== undefined && q.mediaSequence === p.mediaSequence && q.discontinuitySequence === p.discontinuitySequence &&
      q.segments.map((s) => s.discontinuity).join() === p.segments.map((s) => s.discontinuity).join()
  })
}

t.test('two aligned sources: union, no discontinuity, candidates from both', async (t) => {
  const r = simulate(T0, T0 + 60_000, (now) => new Map([['a', epochSource(now)], ['b', epochSource(now)]]))
  t.same(r.violations, [])
  t.equal(r.stitches, 0)
  const p = lastOutput(r)
  t.equal(p.targetDuration, 2)
  t.same(msnsOf(r), [0, 1, 2, 3, 4, 5].map((i) => newestEpochMsn(T0 + 60_000) - 5 + i))
  t.same(p.segments.map((s) => s.uri), p.segments.map((s) => `${s.msn}.ts`), 'epoch-locked names are kept')
  t.ok(p.segments.every((s) => !s.discontinuity))
  t.equal(p.discontinuitySequence, 0)
  t.equal(p.segments[0]?.programDateTimeMs, (p.segments[0]?.msn ?? 0) * SEG_MS, 'PDT follows the epoch')
  const seg = findOutputSegment(r.state, '720p', `${p.segments[2]?.msn ?? 0}.ts`)
  t.same(seg?.candidates.map((c) => c.sourceId).sort(), ['a', 'b'])
  t.equal(lastOutputMsn(r.state), newestEpochMsn(T0 + 60_000))
  t.ok(renditionsMatch(r), 'renditions keep matching discontinuity numbers')
})

t.test('a dead source: output continues from the other with no discontinuity', async (t) => {
  const r = simulate(T0, T0 + 60_000, (now) => now < T0 + 20_000
    ? new Map([['a', epochSource(now)], ['b', epochSource(now)]])
    : new Map([['b', epochSource(now)]]))
  t.same(r.violations, [])
  t.equal(r.stitches, 0)
  t.equal(lastOutputMsn(r.state), newestEpochMsn(T0 + 60_000))
  t.ok(lastOutput(r).segments.every((s) => !s.discontinuity))
  const newest = findOutputSegment(r.state, '360p', `${newestEpochMsn(T0 + 60_000)}.ts`)
  t.same(newest?.candidates.map((c) => c.sourceId), ['b'])
})

t.test('a source lagging one segment never causes a rollback or duplicate', async (t) => {
  const r = simulate(T0, T0 + 40_000, (now) => new Map([['a', epochSource(now, { lag: 1 })], ['b', epochSource(now)]]))
  t.same(r.violations, [])
  t.equal(r.stitches, 0)
  const msns = msnsOf(r)
  t.same(msns, [...new Set(msns)].sort((x, y) => x - y), 'no duplicate, increasing')
  t.equal(lastOutputMsn(r.state), newestEpochMsn(T0 + 40_000), 'follows the source that is ahead')
  // The lagging source becomes a candidate once it lists the segment.
  const older = findOutputSegment(r.state, '360p', `${newestEpochMsn(T0 + 40_000) - 1}.ts`)
  t.same(older?.candidates.map((c) => c.sourceId).sort(), ['a', 'b'])
})

t.test('a source ahead of the other: output follows the one ahead, no discontinuity', async (t) => {
  // b starts alone and lagging; a joins later, two segments ahead.
  const r = simulate(T0, T0 + 40_000, (now) => now < T0 + 10_000
    ? new Map([['b', epochSource(now, { lag: 2 })]])
    : new Map([['a', epochSource(now)], ['b', epochSource(now, { lag: 2 })]]))
  t.same(r.violations, [])
  t.equal(r.stitches, 0)
  t.equal(lastOutputMsn(r.state), newestEpochMsn(T0 + 40_000))
  t.ok(lastOutput(r).segments.every((s) => !s.discontinuity))
})

function observation (id: string, now: number, src: SourceInput | undefined): HealthObservation {
  const p = src?.playlists.get(RENDITIONS[0])
  const last = p?.segments[p.segments.length - 1]
  if (p === undefined || last === undefined) return { sourceId: id, at: now, ok: false, reason: 'connection refused' }
  return { sourceId: id, at: now, ok: true, newestMsn: last.msn, newestDurationMs: last.duration * 1000, targetDurationMs: p.targetDuration * 1000 }
}

/** Runs the sources through the health tracker first, as the service will. */
function withHealth (raw: (now: number) => Map<string, SourceInput | undefined>): (now: number) => Map<string, SourceInput> {
  let health: SourceHealthState = EMPTY_HEALTH
  return (now) => {
    const seen = raw(now)
    const obs = [...seen].map(([id, s]) => observation(id, now, s))
    const u = updateSourceHealth(health, obs, now)
    health = u.state
    const out = new Map<string, SourceInput>()
    for (const [id, s] of seen) out.set(id, { playlists: s?.playlists ?? new Map(), eligible: u.verdicts[id]?.eligible === true })
    return out
  }
}

t.test('a frozen source is not used for new segments; output advances from the other within 1.5 TD', async (t) => {
  const frozenAt = T0 + 20_000
  const seenAt = new Map<number, number>()
  const feed = withHealth((now) => {
    const b = epochSource(now)
    for (const s of b.playlists.get('360p')?.segments ?? []) if (!seenAt.has(s.msn)) seenAt.set(s.msn, now)
    return new Map([['a', epochSource(Math.min(now, frozenAt))], ['b', b]])
  })
  const d = driver()
  const appearedAt = new Map<number, number>()
  for (let now = T0; now <= T0 + 60_000; now += STEP) {
    d.step(now, feed(now))
    const m = lastOutputMsn(d.result().state)
    if (m !== undefined && !appearedAt.has(m)) appearedAt.set(m, now)
  }
  const r = d.result()
  t.same(r.violations, [])
  t.equal(r.stitches, 0)
  let worst = 0
  for (const [msn, at] of appearedAt) if (msn > newestEpochMsn(frozenAt)) worst = Math.max(worst, at - (seenAt.get(msn) ?? at))
  t.ok(worst <= 1.5 * SEG_MS, `new segments appear within 1.5 TD of the live source having them (worst ${worst} ms)`)
  const newest = findOutputSegment(r.state, '360p', `${newestEpochMsn(T0 + 60_000)}.ts`)
  t.same(newest?.candidates.map((c) => c.sourceId), ['b'], 'the frozen source is not a candidate for segments it never listed')
})

t.test('a non-locked source restarting at 0: discontinuity with PDT, MSN keeps increasing', async (t) => {
  const restart = T0 + 31_000
  const r = simulate(T0, T0 + 60_000, (now) => {
    const f = now < T0 + 30_000 ? freeSource(now, T0 - 20_000, { phaseMs: 300 }) : freeSource(now, restart, { phaseMs: 0 })
    return f === undefined ? new Map() : new Map([['f', f]])
  })
  t.same(r.violations, [])
  t.equal(r.stitches, 1)
  const outs = r.outputs.get('360p') ?? []
  const firstWithDisc = outs.find((p) => p.segments.some((s) => s.discontinuity))
  const disc = firstWithDisc?.segments.filter((s) => s.discontinuity) ?? []
  t.equal(disc.length, 1, 'one EXT-X-DISCONTINUITY')
  t.ok(disc[0]?.programDateTimeMs !== undefined && disc[0].programDateTimeMs >= restart, 'PDT on the discontinuity is the restarted timeline')
  t.equal(disc[0]?.msn, (firstWithDisc?.segments[firstWithDisc.segments.length - 2]?.msn ?? 0) + 1, 'appended right after the last segment')
  t.match(disc[0]?.uri ?? '', /^\d+_[0-9a-z]+\.ts$/, 'renumbered segments get a run-tagged name')
  const cand = findOutputSegment(r.state, '360p', disc[0]?.uri ?? '')
  t.same(cand?.candidates, [{ sourceId: 'f', uri: 'seg0.ts' }], 'the first segment after the restart')
  const p = lastOutput(r)
  t.equal(p.discontinuitySequence, 1, 'DS counted it once it left')
  const msns = p.segments.map((s) => s.msn)
  t.same(msns, msns.map((_, i) => (msns[0] ?? 0) + i), 'contiguous')
  t.ok((msns[0] ?? 0) > 10, 'output numbering did not go back to 0')
  t.ok(renditionsMatch(r), 'renditions keep matching discontinuity numbers')
})

t.test('a forward jump of a single epoch-locked source is a discontinuity; DS counts it when it leaves', async (t) => {
  const downAt = T0 + 20_000
  const backAt = T0 + 30_000
  const r = simulate(T0, T0 + 70_000, (now) => {
    if (now >= downAt && now < backAt) return new Map()
    if (now < downAt) return new Map([['a', epochSource(now)]])
    const newest = newestEpochMsn(now)
    const first = Math.max(Math.floor(backAt / SEG_MS), newest - 5)
    return newest < first ? new Map() : new Map([['a', source({ first, count: newest - first + 1, pdtOfFirst: first * SEG_MS })]])
  })
  t.same(r.violations, [])
  t.equal(r.stitches, 1)
  const outs = r.outputs.get('360p') ?? []
  const withDisc = outs.find((p) => p.segments.some((s) => s.discontinuity))
  const disc = withDisc?.segments.find((s) => s.discontinuity)
  t.ok(disc !== undefined, 'a discontinuity was written')
  if (disc === undefined) return
  t.equal(disc.programDateTimeMs, Math.floor(backAt / SEG_MS) * SEG_MS, 'PDT jumps forward to the new segment')
  t.equal(disc.msn, newestEpochMsn(downAt - STEP) + 1, 'MSN stays contiguous')
  // DS: 0 while the discontinuity is listed, 1 exactly from the first output without it.
  let ok = true
  for (const p of outs) {
    const expected = p.mediaSequence > disc.msn ? 1 : 0
    if (p.discontinuitySequence !== expected) ok = false
  }
  t.ok(ok, 'DS increments by one exactly when the discontinuity leaves the head')
  t.equal(timelineDiscontinuitySequence(r.state), 1)
  t.ok(outs.some((p) => p.mediaSequence === disc.msn), 'an output had the discontinuity segment at its head')
  t.ok(renditionsMatch(r), 'renditions keep matching discontinuity numbers')
})

t.test('after a stitch, other epoch-locked sources line up again without a discontinuity', async (t) => {
  // Both workers restart (jump) together; the second one re-aligns by PDT to the stitched run.
  const backAt = T0 + 30_000
  const jumped = (now: number): SourceInput | undefined => {
    const newest = newestEpochMsn(now)
    const first = Math.max(Math.floor(backAt / SEG_MS), newest - 5)
    return newest < first ? undefined : source({ first, count: newest - first + 1, pdtOfFirst: first * SEG_MS })
  }
  const r = simulate(T0, T0 + 60_000, (now) => {
    if (now < T0 + 20_000) return new Map([['a', epochSource(now)], ['b', epochSource(now)]])
    const a = jumped(now)
    const b = jumped(now)
    return a === undefined || b === undefined ? new Map() : new Map([['a', a], ['b', b]])
  })
  t.same(r.violations, [])
  t.equal(r.stitches, 1)
  const p = lastOutput(r)
  const newest = p.segments[p.segments.length - 1]
  const seg = findOutputSegment(r.state, '720p', newest?.uri ?? '')
  t.same(seg?.candidates.map((c) => c.sourceId).sort(), ['a', 'b'], 'both serve the new run')
})

t.test('a mismatched target duration: the source is ignored and TD never changes', async (t) => {
  const d = driver()
  for (let now = T0; now <= T0 + 40_000; now += STEP) {
    const long = Math.floor(now / 4000) - 1
    const b = source({ first: long - 3, count: 4, td: 4, dur: 4, pdtOfFirst: (long - 3) * 4000, uri: (m) => `long${m}.ts` })
    d.step(now, now < T0 + 10_000 ? new Map([['a', epochSource(now)], ['b', b]]) : new Map([['b', b]]))
  }
  const r = d.result()
  t.same(r.violations, [])
  t.equal(lastOutput(r).targetDuration, 2)
  t.equal(r.stitches, 0, 'never stitched in')
  t.equal(lastOutputMsn(r.state), newestEpochMsn(T0 + 10_000 - STEP), 'output holds rather than break the TD')
  const rep = advanceTimeline(r.state, { now: T0 + 40_000, sources: new Map([['b', source({ first: 0, count: 3, td: 4, dur: 4 })]]) }).report
  t.match(rep.b?.reason ?? '', /target duration mismatch/)
  t.equal(rep.b?.usable, false)
})

t.test('a truncated or garbage playlist makes that source unhealthy; the output is unaffected', async (t) => {
  const good = serializeMediaPlaylist(mediaPlaylist({ first: 10, count: 3, pdtOfFirst: 20_000 }))
  for (const text of [good.slice(0, good.length - 4), 'garbage\n\u0000', '#EXTM3U\n#EXTINF:abc,\nx.ts\n']) {
    const parsed = parseMediaPlaylist(text)
    t.equal(parsed.ok, false, `refused: ${JSON.stringify(text.slice(-12))}`)
  }
  const feed = withHealth((now) => {
    const b = now > T0 + 10_000 && now < T0 + 30_000 ? undefined : epochSource(now) // parse failed -> no playlist
    return new Map([['a', epochSource(now)], ['b', b]])
  })
  const d = driver()
  let report: Record<string, { usable: boolean }> = {}
  for (let now = T0; now <= T0 + 40_000; now += STEP) {
    const sources = feed(now)
    d.step(now, sources)
    if (now === T0 + 20_000) report = advanceTimeline(d.result().state, { now, sources }).report
  }
  const r = d.result()
  t.same(r.violations, [])
  t.equal(r.stitches, 0)
  t.equal(report.b?.usable, false, 'b unusable while its playlist is garbage')
  t.equal(lastOutputMsn(r.state), newestEpochMsn(T0 + 40_000))
})

t.test('flapping: a source that comes and goes does not make the output switch each time', async (t) => {
  const flapping = (now: number): boolean => Math.floor((now - T0) / 3000) % 2 === 1 // up 3 s, down 3 s
  // Case 1: a locked primary flaps next to a non-locked backup.
  const r1 = (() => {
    const d = driver()
    const feed = withHealth((now) => new Map<string, SourceInput | undefined>([
      ['a', now < T0 + 10_000 || !flapping(now) ? epochSource(now) : undefined],
      ['f', now < T0 + 4000 ? undefined : freeSource(now, T0 - 30_000, { phaseMs: 700 })]
    ]))
    for (let now = T0; now <= T0 + 66_000; now += STEP) d.step(now, feed(now))
    return d.result()
  })()
  t.same(r1.violations, [])
  t.equal(r1.stitches, 1, 'one switch to the backup when the primary first falls, none after')
  t.equal(r1.state.preferredSourceId, 'f', 'stays on the backup while the primary flaps')
  // Case 2: two locked sources, one flapping: no discontinuity at all.
  const r2 = (() => {
    const d = driver()
    const feed = withHealth((now) => new Map<string, SourceInput | undefined>([
      ['a', flapping(now) ? undefined : epochSource(now)],
      ['b', epochSource(now)]
    ]))
    for (let now = T0; now <= T0 + 66_000; now += STEP) d.step(now, feed(now))
    return d.result()
  })()
  t.same(r2.violations, [])
  t.equal(r2.stitches, 0)
  t.equal((r2.outputs.get('360p') ?? []).filter((p) => p.segments.some((s) => s.discontinuity)).length, 0)
  // Case 3: the non-locked backup is the only other choice and the primary flaps after it: the hold keeps
  // the output on the backup instead of going back and forth.
  const r3 = (() => {
    const d = driver()
    const feed = withHealth((now) => new Map<string, SourceInput | undefined>([
      ['f', now < T0 + 10_000 || !flapping(now) ? freeSource(now, T0 - 30_000, { phaseMs: 700 }) : undefined],
      ['a', now < T0 + 4000 ? undefined : epochSource(now)]
    ]))
    for (let now = T0; now <= T0 + 70_000; now += STEP) d.step(now, feed(now))
    return d.result()
  })()
  t.same(r3.violations, [])
  t.ok(r3.stitches <= 1, `f flapping switches at most once (got ${r3.stitches})`)
})

t.test('sources without PDT line up by URI; the output still carries PDT', async (t) => {
  const noPdt = (now: number, lag = 0): SourceInput => {
    const newest = newestEpochMsn(now) - lag
    return source({ first: newest - 5, count: 6, uri: (m) => `s${m}.ts` })
  }
  const r = simulate(T0, T0 + 40_000, (now) => now < T0 + 20_000
    ? new Map([['a', noPdt(now)], ['b', noPdt(now, 1)]])
    : new Map([['b', noPdt(now)]]))
  t.same(r.violations, [])
  t.equal(r.stitches, 0, 'b was lined up by URI, so a dying needs no discontinuity')
  const p = lastOutput(r)
  t.ok(p.segments.every((s) => s.programDateTimeMs !== undefined), 'PDT synthesized')
  t.match(p.segments[0]?.uri ?? '', /^\d+_[0-9a-z]+\.ts$/, 'upstream names that are not "<msn>.ts" are renamed')
  const seg = findOutputSegment(r.state, '360p', p.segments[0]?.uri ?? '')
  t.same(seg?.candidates.map((c) => c.uri), [`s${p.segments[0]?.msn ?? 0}.ts`])
})

t.test('render is stable between changes and the state is plain data', async (t) => {
  const r = simulate(T0, T0 + 20_000, (now) => new Map([['a', epochSource(now)]]))
  const text = renderTimeline(r.state, '720p')
  t.equal(renderTimeline(JSON.parse(JSON.stringify(r.state)), '720p'), text, 'survives a JSON round trip byte-identical')
  const same = advanceTimeline(r.state, { now: T0 + 20_000, sources: new Map([['a', epochSource(T0 + 20_000)]]) })
  t.equal(same.changed, false)
  t.equal(renderTimeline(same.state, '720p'), text)
  t.match(renderTimeline(r.state, '720p', { uriBase: 'http://edge1:8101/live01/720p/' }) ?? '', /\nhttp:\/\/edge1:8101\/live01\/720p\/\d+\.ts\n/)
  t.equal(renderTimeline(EMPTY_TIMELINE, '720p'), undefined)
  t.equal(renderTimeline(r.state, 'nope'), undefined)
})

t.test('retired segments stay fetchable for a while after leaving the window', async (t) => {
  const r = simulate(T0, T0 + 30_000, (now) => new Map([['a', epochSource(now)]]))
  const head = lastOutput(r).mediaSequence
  t.ok(findOutputSegment(r.state, '360p', `${head - 1}.ts`) !== undefined, 'just retired: still found')
  t.equal(findOutputSegment(r.state, '360p', `${head - 40}.ts`), undefined, 'long gone: not found')
  t.equal(findOutputSegment(r.state, '360p', '../etc/passwd'), undefined)
})

/** A single epoch-locked encoder that stops at `downAt` (its packager keeps the last playlist) and restarts at `restartMsn`. */
function restartedEncoder (downAt: number, restartMsn: number, pdtShiftMs = 0): (now: number) => Map<string, SourceInput> {
  return (now) => {
    const frozen = epochSource(downAt - STEP)
    if (now < downAt) return new Map([['a', epochSource(now)]])
    const newest = newestEpochMsn(now)
    if (newest < restartMsn) return new Map([['a', frozen]])
    const first = Math.max(restartMsn, newest - 5)
    return new Map([['a', source({ first, count: newest - first + 1, pdtOfFirst: first * SEG_MS + pdtShiftMs })]])
  }
}

t.test('an epoch-locked encoder restarted one boundary later: the missing MSN is an EXT-X-GAP, no discontinuity', async (t) => {
  const downAt = T0 + 20_000
  const lastBefore = newestEpochMsn(downAt - STEP)
  const r = simulate(T0, T0 + 40_000, restartedEncoder(downAt, lastBefore + 2))
  t.same(r.violations, [])
  t.equal(r.stitches, 0, 'no stitch')
  const out = lastOutput(r)
  t.notOk(out.segments.some((s) => s.discontinuity), 'no discontinuity')
  t.equal(out.discontinuitySequence, 0)
  const gaps = (r.outputs.get('360p') ?? []).flatMap((p) => p.segments.filter((s) => s.gap === true))
  t.same([...new Set(gaps.map((s) => s.msn))], [lastBefore + 1], 'exactly the missing MSN is a gap')
  const gap = gaps[0]
  t.equal(gap?.programDateTimeMs, (lastBefore + 1) * SEG_MS, 'the gap sits on the epoch grid')
  t.equal(gap?.duration, 2)
  t.equal(gap?.uri, `${lastBefore + 1}.ts`, 'named as the encoder would have named it')
  t.same(findOutputSegment(r.state, '360p', `${lastBefore + 1}.ts`)?.candidates, [], 'nothing to fetch for a gap')
  t.ok(renditionsMatch(r), 'every rendition lists the same gap')
  const listing = (r.outputs.get('720p') ?? []).find((p) => p.segments.some((s) => s.gap === true))
  const text = listing === undefined ? '' : serializeMediaPlaylist(listing)
  t.match(text, new RegExp(`#EXT-X-GAP\\n#EXTINF:2.000,\\n${lastBefore + 1}.ts\\n`), 'written as EXT-X-GAP before its EXTINF')
  const parsed = parseMediaPlaylist(text)
  t.same(parsed.ok ? parsed.playlist.segments.filter((s) => s.gap === true).map((s) => s.msn) : 'unparsed', [lastBefore + 1], 'our parser reads the gap back')
})

t.test('control: a restarted encoder whose timestamps do not line up is stitched with a discontinuity, not bridged', async (t) => {
  const downAt = T0 + 20_000
  const lastBefore = newestEpochMsn(downAt - STEP)
  const r = simulate(T0, T0 + 40_000, restartedEncoder(downAt, lastBefore + 2, 700))
  t.same(r.violations, [])
  t.equal(r.stitches, 1)
  t.notOk((r.outputs.get('360p') ?? []).some((p) => p.segments.some((s) => s.gap === true)), 'no gap')
})

t.test('a longer outage than the window can bridge is stitched, not filled with gaps', async (t) => {
  const downAt = T0 + 20_000
  const lastBefore = newestEpochMsn(downAt - STEP)
  const r = simulate(T0, T0 + 50_000, restartedEncoder(downAt, lastBefore + 5))
  t.same(r.violations, [])
  t.equal(r.stitches, 1)
  t.notOk((r.outputs.get('360p') ?? []).some((p) => p.segments.some((s) => s.gap === true)), 'no gap')
})

t.test('two replicas stitching the same long outage at different moments name the stitched segments alike', async (t) => {
  const downAt = T0 + 20_000
  const lastBefore = newestEpochMsn(downAt - STEP)
  const names = (r: RunOutput): Map<number, string> => new Map(lastOutput(r).segments.map((s) => [s.msn, s.uri]))
  const replica = (offsetMs: number, pdtShiftMs = 0): RunOutput => simulate(T0 + offsetMs, T0 + 50_000 + offsetMs, restartedEncoder(downAt, lastBefore + 5, pdtShiftMs))
  const a = replica(0)
  const b = replica(130)
  t.equal(a.stitches, 1)
  t.equal(b.stitches, 1)
  const namesA = names(a)
  const namesB = names(b)
  const common = [...namesA.keys()].filter((msn) => namesB.has(msn))
  t.ok(common.length >= 3, `${common.length} MSNs listed by both`)
  t.ok(common.every((msn) => /_p[0-9a-z]+\.ts$/.test(namesA.get(msn) ?? '')), 'the stitched run names its segments by their source PDT')
  t.same(common.map((msn) => namesB.get(msn)), common.map((msn) => namesA.get(msn)), 'the same URI for every MSN on both replicas')
  // control: a source with other media (other PDTs) gets other names for the same MSNs
  const namesC = names(replica(0, 700))
  t.ok(common.some((msn) => namesC.has(msn) && namesC.get(msn) !== namesA.get(msn)), 'other media, other names')
})
