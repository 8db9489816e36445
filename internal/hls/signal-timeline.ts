/**
 * The output timeline of one signal: pure stitching of what several packagers ("sources") list
 * into output media playlists that obey RFC 8216bis 6.2 against everything served before.
 *
 * How the origin service uses it (no I/O, no clock here: `now` is always a parameter):
 *   let state = EMPTY_TIMELINE
 *   every poll (e.g. 250 ms), per signal:
 *     const r = advanceTimeline(state, { now, sources }, options)
 *       // sources: sourceId -> { playlists: rendition -> parsed MediaPlaylist, eligible }
 *       // eligible comes from source-health.ts (healthy, not stale, held after recovery)
 *     state = r.state
 *     if (r.changed) rebuild cached text: renderTimeline(state, rendition, { uriBase })
 *       // state.version names the change; serve the cached text until the next change
 *   GET /<signal>/<rendition>/<name>  -> findOutputSegment(state, rendition, name).candidates
 *       // fetch from the first candidate, fail over to the next (uri is relative to that
 *       // source's media playlist URL); retired segments stay findable for a while
 *   blocking reload _HLS_msn=N        -> wait until lastOutputMsn(state) >= N
 *
 * Model: output MSNs are contiguous and shared by all renditions, so discontinuity decisions are
 * per signal and every rendition carries the same EXT-X-DISCONTINUITY-SEQUENCE (RFC 6.2.4).
 * Each source gets an offset (outputMsn - sourceMsn) found by matching its PROGRAM-DATE-TIMEs
 * (or, without PDT, its segment URIs) against the current run of the output. Epoch-locked
 * workers line up at offset 0, so the output is the union of all aligned sources: MSN L+1 comes
 * from any eligible aligned source that lists it, and every aligned source listing a segment is a
 * fetch candidate. A source that does not line up (restart at 0, foreign packager, forward jump)
 * is stitched in only when no aligned eligible source can give the next segment and the output
 * is overdue; that segment carries EXT-X-DISCONTINUITY + PDT and starts a new run, in which the
 * other sources must line up again before they are used.
 *
 * Output names: "<msn>.<ext>" when the upstream file already has that name (epoch-locked source
 * at offset 0, so restarted origins and replicas name segments the same way, and edge caches stay
 * valid), otherwise "<msn>_<runTag>.<ext>": unique per output MSN and, through the run tag (the
 * run's start time), not reused by an origin that restarted and numbers differently.
 */
import type { MediaPlaylist, Segment } from './media-playlist.js'
import { lastMsn as playlistLastMsn, segmentByMsn } from './media-playlist.js'
import { baseName } from './playlist-uri.js'
import { serializeMediaPlaylist } from './playlist-serializer.js'
import type { SerializeOptions } from './playlist-serializer.js'
import type {
  AdvanceInputs, AdvanceResult, FetchCandidate, OutputEntry, OutputRendition, RetiredEntry, SourceAlignment,
  SourceInput, SourceReport, TimelineOptions, TimelineState
} from './timeline-state.js'
import { DEFAULT_TIMELINE_OPTIONS } from './timeline-state.js'

type Mutable<T> = { -readonly [K in keyof T]: T[K] }
type Work = Mutable<Omit<TimelineState, 'entries' | 'retired' | 'alignments'>> & {
  entries: OutputEntry[]
  retired: RetiredEntry[]
  alignments: Record<string, SourceAlignment>
}

interface Ctx {
  readonly now: number
  readonly sources: ReadonlyMap<string, SourceInput>
  readonly options: TimelineOptions
  readonly usable: Map<string, boolean>
  readonly reasons: Map<string, string>
}

const ids = (sources: ReadonlyMap<string, SourceInput>): string[] => [...sources.keys()].sort()

function tolerance (w: Work, o: TimelineOptions): number {
  return o.pdtToleranceMs ?? Math.min(250, ((w.targetDuration ?? 1) * 1000) / 4)
}

function refRendition (w: Work): string { return w.renditions[0] ?? '' }

function refDuration (e: OutputEntry, w: Work): number {
  return e.renditions[refRendition(w)]?.duration ?? w.targetDuration ?? 0
}

function lastEntry (w: Work): OutputEntry | undefined { return w.entries[w.entries.length - 1] }

/** Segments of one source MSN in every locked rendition, or undefined if any rendition lacks it. */
function segmentsAt (src: SourceInput, renditions: readonly string[], msn: number): Map<string, Segment> | undefined {
  const out = new Map<string, Segment>()
  for (const r of renditions) {
    const p = src.playlists.get(r)
    const s = p === undefined ? undefined : segmentByMsn(p, msn)
    if (s === undefined) return undefined
    out.set(r, s)
  }
  return out
}

function sourceTargetDuration (src: SourceInput): number {
  let td = 0
  for (const p of src.playlists.values()) td = Math.max(td, p.targetDuration)
  return td
}

function outputName (msn: number, upstreamUri: string, runTag: string): string {
  const base = baseName(upstreamUri)
  const ext = base.slice(base.lastIndexOf('.') + 1)
  return base === `${msn}.${ext}` ? base : `${msn}_${runTag}.${ext}`
}

/** A source's MSN range common to all renditions. */
function commonRange (src: SourceInput, renditions: readonly string[]): { first: number, last: number } | undefined {
  let first = -Infinity
  let last = Infinity
  for (const r of renditions) {
    const p = src.playlists.get(r)
    if (p === undefined || p.segments.length === 0) return undefined
    first = Math.max(first, p.mediaSequence)
    last = Math.min(last, playlistLastMsn(p))
  }
  return first <= last ? { first, last } : undefined
}

// ---- initial output ------------------------------------------------------------------------

function pickInitialSource (sources: ReadonlyMap<string, SourceInput>): string | undefined {
  let best: { id: string, score: number } | undefined
  for (const id of ids(sources)) {
    const src = sources.get(id)
    if (src === undefined || !src.eligible || src.playlists.size === 0) continue
    const renditions = [...src.playlists.keys()].sort()
    const range = commonRange(src, renditions)
    if (range === undefined) continue
    // The most live source wins (newest PDT, else newest MSN); ties go to the first id, so
    // replicas that see the same inputs choose the same source.
    const ref = src.playlists.get(renditions[0] ?? '')
    const seg = ref === undefined ? undefined : segmentByMsn(ref, range.last)
    const score = seg?.programDateTimeMs ?? range.last
    if (best === undefined || score > best.score) best = { id, score }
  }
  return best?.id
}

function initialize (w: Work, ctx: Ctx): number {
  const id = pickInitialSource(ctx.sources)
  const src = id === undefined ? undefined : ctx.sources.get(id)
  if (id === undefined || src === undefined) return 0
  const renditions = [...src.playlists.keys()].sort()
  const range = commonRange(src, renditions)
  if (range === undefined) return 0
  const td = sourceTargetDuration(src)
  w.targetDuration = td
  w.renditions = renditions
  w.independentSegments = renditions.every((r) => src.playlists.get(r)?.independentSegments === true)
  w.runTag = ctx.now.toString(36)
  w.run = 0
  w.runPdtShiftMs = 0
  // Keep windowSize segments, more when they are short, so the first window is >= 3 TD if possible.
  const ref = src.playlists.get(renditions[0] ?? '') as MediaPlaylist
  let first = range.last
  let total = segmentByMsn(ref, first)?.duration ?? 0
  while (first > range.first && (range.last - first + 1 < ctx.options.windowSize || total < 3 * td)) {
    first--
    total += segmentByMsn(ref, first)?.duration ?? 0
  }
  const hasPdt = segmentByMsn(ref, first)?.programDateTimeMs !== undefined
  // Without source PDTs the output still carries them (rule 6 needs PDT on stitched segments):
  // synthesized so the newest segment ends now.
  let synth = ctx.now - total * 1000
  for (let msn = first; msn <= range.last; msn++) {
    const segs = segmentsAt(src, renditions, msn)
    if (segs === undefined) break
    const refSeg = segs.get(renditions[0] ?? '') as Segment
    const srcPdt = hasPdt ? refSeg.programDateTimeMs : undefined
    const pdtMs = srcPdt ?? synth
    synth += refSeg.duration * 1000
    const rend: Record<string, OutputRendition> = {}
    for (const [r, s] of segs) rend[r] = { name: outputName(msn, s.uri, w.runTag), duration: s.duration, candidates: [{ sourceId: id, uri: s.uri }] }
    const prev = lastEntry(w)
    const discontinuity = msn !== first && refSeg.discontinuity
    if (prev !== undefined && pdtMs <= prev.pdtMs) break // a source whose PDTs go backward inside its window: stop there
    w.entries.push(srcPdt === undefined ? { msn, discontinuity, pdtMs, run: 0, renditions: rend } : { msn, discontinuity, pdtMs, srcPdtMs: srcPdt, run: 0, renditions: rend })
  }
  if (w.entries.length === 0) return 0
  w.mediaSequence = first
  w.discontinuitySequence = 0
  w.lastAppendAt = ctx.now
  w.preferredSourceId = id
  w.alignments[id] = { offset: 0, run: 0, newestMsn: range.last }
  return w.entries.length
}

// ---- source alignment ----------------------------------------------------------------------

function entryAt (w: Work, msn: number): OutputEntry | undefined {
  const e = w.entries[msn - w.mediaSequence]
  return e !== undefined && e.msn === msn ? e : undefined
}

/**
 * Compares a source with the output where they overlap in the current run: -1 on any
 * contradiction (other URI than it gave before, PDT off), else how many segments agree.
 */
function agreement (w: Work, ctx: Ctx, id: string, src: SourceInput, offset: number): number {
  const ref = src.playlists.get(refRendition(w))
  if (ref === undefined) return 0
  const tol = tolerance(w, ctx.options)
  let agree = 0
  for (const s of ref.segments) {
    const e = entryAt(w, s.msn + offset)
    if (e === undefined || e.run !== w.run) continue
    const mine = e.renditions[refRendition(w)]?.candidates.find((c) => c.sourceId === id)
    if (mine !== undefined) {
      if (mine.uri !== s.uri) return -1
      agree++
    } else if (e.srcPdtMs !== undefined && s.programDateTimeMs !== undefined) {
      if (Math.abs(e.srcPdtMs - s.programDateTimeMs) > tol) return -1
      agree++
    }
    // One side without PDT and not yet a candidate: nothing to compare.
  }
  return agree
}

function consistent (w: Work, ctx: Ctx, id: string, src: SourceInput, offset: number): boolean {
  return agreement(w, ctx, id, src, offset) >= 0
}

function findOffset (w: Work, ctx: Ctx, id: string, src: SourceInput): number | undefined {
  const ref = src.playlists.get(refRendition(w))
  const last = lastEntry(w)
  if (ref === undefined || last === undefined) return undefined
  const tol = tolerance(w, ctx.options)
  const run = w.entries.filter((e) => e.run === w.run)
  const tries: number[] = []
  for (const s of ref.segments) {
    for (const e of run) {
      if (s.programDateTimeMs !== undefined && e.srcPdtMs !== undefined) {
        if (Math.abs(s.programDateTimeMs - e.srcPdtMs) <= tol) tries.push(e.msn - s.msn)
      } else if (e.renditions[refRendition(w)]?.candidates.some((c) => c.uri === s.uri) === true) {
        // No PDT on one side: the same upstream name (two packagers on one output folder) ties them.
        tries.push(e.msn - s.msn)
      }
    }
    // A source that is already ahead lines up at the output's end.
    if (last.run === w.run && last.srcPdtMs !== undefined && s.programDateTimeMs !== undefined &&
      Math.abs(last.srcPdtMs + refDuration(last, w) * 1000 - s.programDateTimeMs) <= tol) tries.push(last.msn + 1 - s.msn)
  }
  for (const offset of tries) if (consistent(w, ctx, id, src, offset)) return offset
  return undefined
}

// After a restart a source may list other media under a name it used before: those candidates go.
// Names it no longer lists stay (the old file is likely still there; the service fails over anyway).
function dropReusedCandidates (w: Work, id: string, src: SourceInput): void {
  const listed = new Map<string, Set<string>>()
  for (const [r, p] of src.playlists) listed.set(r, new Set(p.segments.map((s) => s.uri)))
  const strip = <E extends OutputEntry>(e: E): E => {
    let renditions: Record<string, OutputRendition> | undefined
    for (const [r, o] of Object.entries(e.renditions)) {
      const keep = o.candidates.filter((c) => c.sourceId !== id || listed.get(r)?.has(c.uri) !== true)
      if (keep.length === o.candidates.length) continue
      renditions = renditions ?? { ...e.renditions }
      renditions[r] = { ...o, candidates: keep }
    }
    return renditions === undefined ? e : { ...e, renditions }
  }
  w.entries = w.entries.map(strip)
  w.retired = w.retired.map(strip)
}

/** Re-checks aligned sources (a restart or jump breaks alignment) and lines up the others. */
function alignSources (w: Work, ctx: Ctx): void {
  for (const id of ids(ctx.sources)) {
    const src = ctx.sources.get(id) as SourceInput
    if (ctx.reasons.get(id)?.startsWith('target duration') === true) continue
    const ref = src.playlists.get(refRendition(w))
    if (ref === undefined || ref.segments.length === 0) continue
    const newest = playlistLastMsn(ref)
    const a = w.alignments[id]
    if (a !== undefined && a.run === w.run) {
      const agree = agreement(w, ctx, id, src, a.offset)
      // Going backward with nothing in common with the output is a restart (e.g. at 0); going
      // backward while still matching is only a lagging packager.
      if (agree < 0 || (newest < a.newestMsn && agree === 0)) {
        delete w.alignments[id]
        dropReusedCandidates(w, id, src)
      } else {
        if (newest > a.newestMsn) w.alignments[id] = { ...a, newestMsn: newest }
        continue
      }
    } else if (a !== undefined) {
      delete w.alignments[id]
    }
    const offset = findOffset(w, ctx, id, src)
    if (offset !== undefined) w.alignments[id] = { offset, run: w.run, newestMsn: newest }
  }
}

/** Adds every aligned source that lists a window segment as a fetch candidate for it. */
function addCandidates (w: Work, ctx: Ctx): void {
  w.entries = w.entries.map((e) => {
    let renditions: Record<string, OutputRendition> | undefined
    for (const id of ids(ctx.sources)) {
      const a = w.alignments[id]
      if (a === undefined || a.run !== e.run) continue
      const src = ctx.sources.get(id) as SourceInput
      for (const r of w.renditions) {
        const p = src.playlists.get(r)
        const s = p === undefined ? undefined : segmentByMsn(p, e.msn - a.offset)
        const cur = (renditions ?? e.renditions)[r]
        if (s === undefined || cur === undefined || cur.candidates.some((c) => c.sourceId === id)) continue
        renditions = renditions ?? { ...e.renditions }
        renditions[r] = { ...cur, candidates: [...cur.candidates, { sourceId: id, uri: s.uri }] }
      }
    }
    return renditions === undefined ? e : { ...e, renditions }
  })
}

// ---- appending -----------------------------------------------------------------------------

function buildRenditions (w: Work, ctx: Ctx, msn: number, providerId: string, segs: Map<string, Segment>): Record<string, OutputRendition> {
  const out: Record<string, OutputRendition> = {}
  for (const [r, s] of segs) {
    const candidates: FetchCandidate[] = [{ sourceId: providerId, uri: s.uri }]
    for (const id of ids(ctx.sources)) {
      const a = w.alignments[id]
      if (id === providerId || a === undefined || a.run !== w.run) continue
      const p = ctx.sources.get(id)?.playlists.get(r)
      const other = p === undefined ? undefined : segmentByMsn(p, msn - a.offset)
      if (other !== undefined) candidates.push({ sourceId: id, uri: other.uri })
    }
    out[r] = { name: outputName(msn, s.uri, w.runTag), duration: s.duration, candidates }
  }
  return out
}

function appendEntry (w: Work, ctx: Ctx, providerId: string, segs: Map<string, Segment>, forceDiscontinuity: boolean): void {
  const prev = lastEntry(w) as OutputEntry
  const msn = prev.msn + 1
  const refSeg = segs.get(refRendition(w)) as Segment
  const srcPdt = refSeg.programDateTimeMs
  const prevDurMs = refDuration(prev, w) * 1000
  const prevEnd = prev.pdtMs + prevDurMs
  let discontinuity = forceDiscontinuity || refSeg.discontinuity
  // A time gap inside an aligned source (it skipped media) is a discontinuity too.
  if (!discontinuity && srcPdt !== undefined && prev.srcPdtMs !== undefined && prev.run === w.run &&
    Math.abs(srcPdt - (prev.srcPdtMs + prevDurMs)) > Math.max(tolerance(w, ctx.options), prevDurMs / 2)) discontinuity = true
  let pdtMs = srcPdt === undefined ? prevEnd : srcPdt + w.runPdtShiftMs
  if (forceDiscontinuity && srcPdt !== undefined) {
    w.runPdtShiftMs = 0
    pdtMs = srcPdt
  }
  if (pdtMs <= prev.pdtMs) {
    // Never let output PDT go backward (a source clock behind ours): continue from the output's end.
    discontinuity = true
    pdtMs = prevEnd
    if (srcPdt !== undefined) w.runPdtShiftMs = pdtMs - srcPdt
  }
  const renditions = buildRenditions(w, ctx, msn, providerId, segs)
  w.entries.push(srcPdt === undefined
    ? { msn, discontinuity, pdtMs, run: w.run, renditions }
    : { msn, discontinuity, pdtMs, srcPdtMs: srcPdt, run: w.run, renditions })
  w.lastAppendAt = ctx.now
  w.preferredSourceId = providerId
}

function orderByPreference (w: Work, list: string[]): string[] {
  const p = w.preferredSourceId
  return p !== undefined && list.includes(p) ? [p, ...list.filter((x) => x !== p)] : list
}

function appendFromAligned (w: Work, ctx: Ctx): boolean {
  const last = lastEntry(w)
  if (last === undefined) return false
  const providers: Array<[string, Map<string, Segment>]> = []
  for (const id of orderByPreference(w, ids(ctx.sources))) {
    const a = w.alignments[id]
    if (a === undefined || a.run !== w.run || ctx.usable.get(id) !== true) continue
    const segs = segmentsAt(ctx.sources.get(id) as SourceInput, w.renditions, last.msn + 1 - a.offset)
    if (segs !== undefined) providers.push([id, segs])
  }
  const chosen = providers[0]
  if (chosen === undefined) return false
  appendEntry(w, ctx, chosen[0], chosen[1], false)
  return true
}

// ---- gaps ---------------------------------------------------------------------------------

/** At most this many missing MSNs in a row are bridged; beyond, the window would hold too little media. */
function maxGapSegments (o: TimelineOptions): number { return Math.max(1, o.windowSize - 3) }

/**
 * An aligned source that skipped MSNs (an epoch-locked encoder restarted one boundary later: its
 * numbers and timestamps go on, a segment is missing) continues the output without a
 * discontinuity: the missing MSNs are listed as EXT-X-GAP, which players skip, and its next segment
 * follows. Only when its PROGRAM-DATE-TIME lands where the missing segments end, each at most one
 * target duration long. Returns how many entries it appended (gaps and the segment after them).
 */
function bridgeGap (w: Work, ctx: Ctx): number {
  const last = lastEntry(w)
  if (last === undefined || last.srcPdtMs === undefined || last.run !== w.run) return 0
  const tdMs = (w.targetDuration ?? 0) * 1000
  const tol = tolerance(w, ctx.options)
  for (const id of orderByPreference(w, ids(ctx.sources))) {
    const a = w.alignments[id]
    if (a === undefined || a.run !== w.run || ctx.usable.get(id) !== true) continue
    const src = ctx.sources.get(id) as SourceInput
    const range = commonRange(src, w.renditions)
    const wanted = last.msn + 1 - a.offset
    if (range === undefined || range.last <= wanted) continue
    let found: { srcMsn: number, segs: Map<string, Segment> } | undefined
    for (let m = Math.max(range.first, wanted + 1); m <= range.last && found === undefined; m++) {
      const segs = segmentsAt(src, w.renditions, m)
      if (segs !== undefined) found = { srcMsn: m, segs }
    }
    if (found === undefined) continue
    const missing = found.srcMsn - wanted
    const pdt = found.segs.get(refRendition(w))?.programDateTimeMs
    if (missing > maxGapSegments(ctx.options) || pdt === undefined) continue
    const gapStart = last.srcPdtMs + refDuration(last, w) * 1000
    const eachMs = (pdt - gapStart) / missing
    if (eachMs < tdMs / 2 || eachMs > tdMs + tol) continue
    for (let i = 0; i < missing; i++) appendGapEntry(w, ctx, found.segs, a.offset, gapStart + i * eachMs, eachMs / 1000)
    appendEntry(w, ctx, id, found.segs, false)
    return missing + 1
  }
  return 0
}

function appendGapEntry (w: Work, ctx: Ctx, next: Map<string, Segment>, offset: number, srcPdtMs: number, duration: number): void {
  const prev = lastEntry(w) as OutputEntry
  const msn = prev.msn + 1
  const renditions: Record<string, OutputRendition> = {}
  for (const [r, s] of next) {
    // named as the source would have named it, so an epoch-locked gap keeps its epoch name
    const ext = s.uri.slice(s.uri.lastIndexOf('.') + 1)
    const epochNamed = baseName(s.uri) === `${s.msn}.${ext}`
    renditions[r] = { name: outputName(msn, epochNamed ? `${msn - offset}.${ext}` : s.uri, w.runTag), duration, candidates: [] }
  }
  w.entries.push({ msn, discontinuity: false, pdtMs: srcPdtMs + w.runPdtShiftMs, srcPdtMs, run: w.run, gap: true, renditions })
  w.lastAppendAt = ctx.now
}

function isDue (w: Work, ctx: Ctx): boolean {
  const last = lastEntry(w)
  if (last === undefined || w.lastAppendAt === undefined) return false
  const td = (w.targetDuration ?? 1) * 1000
  return ctx.now >= w.lastAppendAt + refDuration(last, w) * 1000 + ctx.options.graceTargetDurations * td
}

/** The segment a source would be stitched in with, or undefined if it has nothing new. */
function stitchPoint (w: Work, ctx: Ctx, id: string): { srcMsn: number, segs: Map<string, Segment> } | undefined {
  const src = ctx.sources.get(id) as SourceInput
  const last = lastEntry(w) as OutputEntry
  const range = commonRange(src, w.renditions)
  if (range === undefined) return undefined
  const ref = src.playlists.get(refRendition(w)) as MediaPlaylist
  const a = w.alignments[id]
  let from: number | undefined
  if (a !== undefined && a.run === w.run) {
    from = Math.max(range.first, last.msn + 1 - a.offset) // an aligned source that jumped forward
  } else {
    const end = last.pdtMs + refDuration(last, w) * 1000
    const tol = tolerance(w, ctx.options)
    for (let m = range.first; m <= range.last; m++) {
      const pdt = segmentByMsn(ref, m)?.programDateTimeMs
      if (pdt !== undefined && pdt >= end - tol) { from = m; break }
    }
    from = from ?? range.last
  }
  for (let m = from; m <= range.last; m++) {
    const segs = segmentsAt(src, w.renditions, m)
    if (segs !== undefined) return { srcMsn: m, segs }
  }
  return undefined
}

function stitch (w: Work, ctx: Ctx): boolean {
  const usable = ids(ctx.sources).filter((id) => ctx.usable.get(id) === true)
  const aligned = usable.filter((id) => w.alignments[id]?.run === w.run)
  const others = usable.filter((id) => w.alignments[id]?.run !== w.run)
  // Sticky first, then sources on the current timeline that jumped, then the rest.
  for (const id of orderByPreference(w, [...aligned, ...others])) {
    const point = stitchPoint(w, ctx, id)
    if (point === undefined) continue
    const last = lastEntry(w) as OutputEntry
    w.run += 1
    w.runTag = ctx.now.toString(36)
    w.alignments = { [id]: { offset: last.msn + 1 - point.srcMsn, run: w.run, newestMsn: point.srcMsn } }
    appendEntry(w, ctx, id, point.segs, true)
    return true
  }
  return false
}

// ---- window --------------------------------------------------------------------------------

function trimHead (w: Work, ctx: Ctx): number {
  const td = w.targetDuration ?? 0
  const totals: Record<string, number> = {}
  for (const r of w.renditions) totals[r] = 0
  for (const e of w.entries) for (const r of w.renditions) totals[r] = (totals[r] ?? 0) + (e.renditions[r]?.duration ?? 0)
  let removed = 0
  while (w.entries.length > ctx.options.windowSize) {
    const head = w.entries[0] as OutputEntry
    // RFC 8216bis 6.2.2: never remove a segment if that leaves less than 3 target durations.
    if (!w.renditions.every((r) => (totals[r] ?? 0) - (head.renditions[r]?.duration ?? 0) >= 3 * td - 1e-9)) break
    for (const r of w.renditions) totals[r] = (totals[r] ?? 0) - (head.renditions[r]?.duration ?? 0)
    w.entries.shift()
    w.mediaSequence += 1
    if (head.discontinuity) w.discontinuitySequence += 1
    w.retired.push({ ...head, retiredAt: ctx.now })
    removed++
  }
  const keepMs = ctx.options.retainRetiredMs ?? (ctx.options.windowSize + 2) * td * 1000
  w.retired = w.retired.filter((e) => ctx.now - e.retiredAt <= keepMs)
  return removed
}

// ---- public API ----------------------------------------------------------------------------

function classify (w: Work, ctx: Ctx): void {
  for (const id of ids(ctx.sources)) {
    const src = ctx.sources.get(id) as SourceInput
    const td = sourceTargetDuration(src)
    const missing = w.renditions.find((r) => !src.playlists.has(r))
    let reason: string | undefined
    // Longer segments could not be listed under the locked target duration at all.
    if (w.targetDuration !== undefined && td > w.targetDuration) reason = `target duration mismatch: ${td}s, output is locked at ${w.targetDuration}s`
    else if (!src.eligible) reason = 'not eligible (health)'
    else if (missing !== undefined) reason = `missing rendition ${missing}`
    if (reason !== undefined) ctx.reasons.set(id, reason)
    ctx.usable.set(id, reason === undefined)
  }
}

/**
 * One step of the output timeline: lines sources up, appends every segment that can be appended
 * (from aligned sources at once, from a non-aligned one only when overdue), trims the head.
 */
export function advanceTimeline (state: TimelineState, inputs: AdvanceInputs, options: TimelineOptions = DEFAULT_TIMELINE_OPTIONS): AdvanceResult {
  const w: Work = {
    ...state,
    renditions: [...state.renditions],
    entries: [...state.entries],
    retired: [...state.retired],
    alignments: { ...state.alignments }
  }
  const ctx: Ctx = { now: inputs.now, sources: inputs.sources, options, usable: new Map(), reasons: new Map() }
  let appended = 0
  let stitches = 0
  let gaps = 0
  if (w.targetDuration === undefined) {
    appended = initialize(w, ctx)
    if (appended === 0) {
      return { state, changed: false, appended: 0, removed: 0, stitches: 0, gaps: 0, report: {} }
    }
  }
  classify(w, ctx)
  alignSources(w, ctx)
  addCandidates(w, ctx)
  // Bounded: a source cannot make one step append more than its whole playlist.
  for (let guard = 0; guard < 10000; guard++) {
    if (appendFromAligned(w, ctx)) { appended++; continue }
    const bridged = isDue(w, ctx) ? bridgeGap(w, ctx) : 0
    if (bridged > 0) {
      appended += bridged
      gaps += bridged - 1
      continue
    }
    if (isDue(w, ctx) && stitch(w, ctx)) {
      appended++
      stitches++
      alignSources(w, ctx)
      addCandidates(w, ctx)
      continue
    }
    break
  }
  const removed = trimHead(w, ctx)
  const changed = appended > 0 || removed > 0
  if (changed) w.version = state.version + 1
  const report: Record<string, SourceReport> = {}
  for (const id of ids(ctx.sources)) {
    const a = w.alignments[id]
    const aligned = a !== undefined && a.run === w.run
    const reason = ctx.reasons.get(id) ?? (aligned ? undefined : 'not lined up with the output')
    const base = { aligned, usable: ctx.usable.get(id) === true }
    const withOffset = aligned ? { ...base, offset: a.offset } : base
    report[id] = reason === undefined ? withOffset : { ...withOffset, reason }
  }
  return { state: w, changed, appended, removed, stitches, gaps, report }
}

/** The output media playlist of one rendition, or undefined before the first output. */
export function timelinePlaylist (state: TimelineState, rendition: string, options: Pick<TimelineOptions, 'version'> = DEFAULT_TIMELINE_OPTIONS): MediaPlaylist | undefined {
  if (state.targetDuration === undefined || !state.renditions.includes(rendition)) return undefined
  const segments: Segment[] = state.entries.map((e) => {
    const r = e.renditions[rendition] as OutputRendition
    const segment = { msn: e.msn, uri: r.name, duration: r.duration, discontinuity: e.discontinuity, programDateTimeMs: e.pdtMs }
    return e.gap === true ? { ...segment, gap: true } : segment
  })
  return {
    kind: 'media',
    version: options.version,
    targetDuration: state.targetDuration,
    mediaSequence: state.mediaSequence,
    discontinuitySequence: state.discontinuitySequence,
    segments,
    endList: false,
    independentSegments: state.independentSegments
  }
}

/** The output playlist text; changes only when state.version changes (for a given uriBase). */
export function renderTimeline (state: TimelineState, rendition: string, serialize?: SerializeOptions, options?: Pick<TimelineOptions, 'version'>): string | undefined {
  const p = timelinePlaylist(state, rendition, options)
  return p === undefined ? undefined : serializeMediaPlaylist(p, serialize)
}

/** Where GET <rendition>/<name> can be fetched from (window and recently retired segments). */
export function findOutputSegment (state: TimelineState, rendition: string, name: string): { msn: number, duration: number, candidates: readonly FetchCandidate[], gap: boolean } | undefined {
  for (const list of [state.entries, state.retired]) {
    for (let i = list.length - 1; i >= 0; i--) {
      const e = list[i] as OutputEntry
      const r = e.renditions[rendition]
      if (r !== undefined && r.name === name) return { msn: e.msn, duration: r.duration, candidates: r.candidates, gap: e.gap === true }
    }
  }
  return undefined
}

/** Newest output MSN (all renditions share it), for blocking playlist reload; undefined before the first output. */
export function lastOutputMsn (state: TimelineState): number | undefined {
  return state.entries[state.entries.length - 1]?.msn
}

/** The current EXT-X-DISCONTINUITY-SEQUENCE (all renditions share it). */
export function timelineDiscontinuitySequence (state: TimelineState): number {
  return state.discontinuitySequence
}
