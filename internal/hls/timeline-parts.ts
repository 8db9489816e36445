/**
 * LL-HLS in the output timeline: init segments, the parts of appended segments, and the parts of
 * the segment still being written (PendingParts). Parts are listed only where the output keeps the
 * source's names (epoch-locked sources at offset 0, whose part names carry the MSN): there every
 * aligned source's part of that name is the same part, so a part can fail over between packagers.
 * A stitched or renumbered segment keeps its map and loses its parts: players read it whole.
 */
import type { MediaPlaylist, Part, RenditionReport, Segment } from './media-playlist.js'
import { lastMsn } from './media-playlist.js'
import { PLAYLIST_FILE } from './names.js'
import { baseName } from './playlist-uri.js'
import type { StepContext, TimelineDraft } from './timeline-draft.js'
import { currentAlignment, lastEntry, outputName, preferredFirst, sortedSourceIds } from './timeline-draft.js'
import type { FetchCandidate, OutputPart, OutputRendition, PendingParts, TimelineState } from './timeline-state.js'

/** Parts are listed for the segments this many target durations from the live edge (RFC 8216bis 4.4.4.9). */
const PART_LISTING_TARGET_DURATIONS = 3

/** The output rendition of a source segment: its name, and its map and parts when it is CMAF. */
export function outputRendition (msn: number, segment: Segment, tag: string, candidate: FetchCandidate): OutputRendition {
  const name = outputName(msn, segment.uri, tag)
  const sameName = name === baseName(segment.uri)
  const out: OutputRendition = { name, duration: segment.duration, candidates: [candidate] }
  const map = segment.map === undefined ? undefined : { name: sameName ? baseName(segment.map) : `${msn}_${tag}_init.mp4`, candidates: [{ sourceId: candidate.sourceId, uri: segment.map }] }
  const parts = sameName && segment.parts !== undefined
    ? segment.parts.map((p) => ({ name: baseName(p.uri), duration: p.duration, independent: p.independent, candidates: [{ sourceId: candidate.sourceId, uri: p.uri }] }))
    : undefined
  return { ...out, ...(map === undefined ? {} : { map }), ...(parts === undefined ? {} : { parts }) }
}

/** The same output rendition with a source's copy of it as one more candidate: segment, map and parts. */
export function withCandidate (output: OutputRendition, sourceId: string, segment: Segment): OutputRendition {
  if (output.candidates.some((c) => c.sourceId === sourceId)) return output
  const out: OutputRendition = { ...output, candidates: [...output.candidates, { sourceId, uri: segment.uri }] }
  const map = output.map !== undefined && segment.map !== undefined ? { ...output.map, candidates: [...output.map.candidates, { sourceId, uri: segment.map }] } : output.map
  const parts = output.parts?.map((p) => {
    const same = segment.parts?.find((q) => baseName(q.uri) === p.name)
    return same === undefined ? p : { ...p, candidates: [...p.candidates, { sourceId, uri: same.uri }] }
  })
  return { ...out, ...(map === undefined ? {} : { map }), ...(parts === undefined ? {} : { parts }) }
}

function pendingKey (pending: PendingParts | undefined): string {
  if (pending === undefined) return ''
  return JSON.stringify([pending.msn, Object.entries(pending.renditions).map(([r, parts]) => [r, parts.map((p) => p.name)]), pending.hints])
}

/** The parts of `msn` one source lists after its last segment, as output parts; [] when it is elsewhere. */
function trailingOf (playlist: MediaPlaylist | undefined, msn: number): readonly Part[] {
  if (playlist === undefined || lastMsn(playlist) !== msn - 1) return []
  const parts = playlist.trailingParts ?? []
  const own = parts.findIndex((p) => !baseName(p.uri).startsWith(`${msn}.`))
  return own === -1 ? parts : parts.slice(0, own)
}

/** Grows one rendition's pending parts by what `sourceId` lists; listed parts are never dropped or renamed. */
function mergeParts (parts: OutputPart[], sourceId: string, trailing: readonly Part[]): void {
  for (let k = 0; k < trailing.length; k++) {
    const p = trailing[k] as Part
    const name = baseName(p.uri)
    const existing = parts[k]
    if (existing === undefined) parts.push({ name, duration: p.duration, independent: p.independent, candidates: [{ sourceId, uri: p.uri }] })
    else if (existing.name !== name) return
    else if (!existing.candidates.some((c) => c.sourceId === sourceId)) parts[k] = { ...existing, candidates: [...existing.candidates, { sourceId, uri: p.uri }] }
  }
}

/**
 * After a step's appends: the parts of the next MSN from every usable source aligned at offset 0,
 * the sticky one first, and the next part's hint from a source that lists as many parts as the
 * output. Parts listed as pending for a segment just appended without parts of its own stay on
 * it. Returns whether the output text changes.
 */
export function updatePending (draft: TimelineDraft, ctx: StepContext): boolean {
  const before = draft.pending
  for (const source of ctx.sources.values()) {
    for (const playlist of source.playlists.values()) {
      if (draft.partTarget === undefined && playlist.partTargetDuration !== undefined) draft.partTarget = playlist.partTargetDuration
    }
  }
  const last = lastEntry(draft)
  if (last === undefined || draft.partTarget === undefined) {
    draft.pending = undefined
    return before !== undefined
  }
  if (before !== undefined && before.msn === last.msn && before.run === last.run) keepPendingOnEntry(draft, before)
  const msn = last.msn + 1
  const carried = before?.msn === msn && before.run === draft.run ? before : undefined
  const renditions: Record<string, OutputPart[]> = {}
  const hints: Record<string, string> = {}
  const sources = preferredFirst(draft, sortedSourceIds(ctx.sources)).filter((id) => currentAlignment(draft, id)?.offset === 0 && ctx.usable.get(id) === true)
  for (const rendition of draft.renditions) {
    const parts = [...carried?.renditions[rendition] ?? []]
    const listed = sources.map((id) => ({ id, playlist: ctx.sources.get(id)?.playlists.get(rendition) }))
      .map((s) => ({ ...s, trailing: trailingOf(s.playlist, msn) }))
    for (const s of listed) mergeParts(parts, s.id, s.trailing)
    for (const { playlist, trailing } of listed) {
      const hint = playlist?.preloadHint === undefined ? undefined : baseName(playlist.preloadHint)
      if (hint !== undefined && trailing.length === parts.length && (hint.startsWith(`${msn}.`) || hint.startsWith(`${msn + 1}.`))) {
        hints[rendition] = hint
        break
      }
    }
    renditions[rendition] = parts
  }
  const any = Object.values(renditions).some((p) => p.length > 0) || Object.keys(hints).length > 0
  draft.pending = any ? { msn, run: draft.run, renditions, hints } : undefined
  return pendingKey(before) !== pendingKey(draft.pending)
}

/** A segment appended without parts of its own keeps the parts players were already given for it. */
function keepPendingOnEntry (draft: TimelineDraft, pending: PendingParts): void {
  const index = draft.entries.length - 1
  const entry = draft.entries[index]
  if (entry === undefined) return
  let renditions: Record<string, OutputRendition> | undefined
  for (const [rendition, parts] of Object.entries(pending.renditions)) {
    const output = entry.renditions[rendition]
    if (output === undefined || output.parts !== undefined || parts.length === 0) continue
    renditions ??= { ...entry.renditions }
    renditions[rendition] = { ...output, parts }
  }
  if (renditions !== undefined) draft.entries[index] = { ...entry, renditions }
}

/** The LL-HLS fields of one rendition's output playlist: which segments list parts, the trailing parts, the hint. */
export function partFields (state: TimelineState, rendition: string): Pick<MediaPlaylist, 'partTargetDuration' | 'trailingParts' | 'preloadHint' | 'renditionReports'> & { partsFrom: number } {
  const last = state.entries[state.entries.length - 1]
  if (state.partTarget === undefined || last === undefined) return { partsFrom: Number.POSITIVE_INFINITY }
  const horizon = PART_LISTING_TARGET_DURATIONS * (state.targetDuration ?? 0)
  let partsFrom = last.msn
  let seconds = 0
  for (let i = state.entries.length - 1; i >= 0 && seconds < horizon; i--) {
    const entry = state.entries[i]
    if (entry === undefined) break
    partsFrom = entry.msn
    seconds += entry.renditions[rendition]?.duration ?? 0
  }
  const pending = state.pending?.msn === last.msn + 1 ? state.pending : undefined
  const trailing = (pending?.renditions[rendition] ?? []).map((p) => ({ uri: p.name, duration: p.duration, independent: p.independent }))
  const hint = pending?.hints[rendition]
  const reports: RenditionReport[] = state.renditions.length < 2
    ? []
    : state.renditions.filter((r) => r !== rendition).map((r) => {
      const parts = pending?.renditions[r]?.length ?? 0
      const own = last.renditions[r]?.parts?.length ?? 0
      // the output's URL layout: <signal>/<rendition>/playlist.m3u8 for every rendition of a ladder
      const uri = `../${r}/${PLAYLIST_FILE}`
      return parts > 0 ? { uri, lastMsn: last.msn + 1, lastPart: parts - 1 } : own > 0 ? { uri, lastMsn: last.msn, lastPart: own - 1 } : { uri, lastMsn: last.msn }
    })
  return { partsFrom, partTargetDuration: state.partTarget, trailingParts: trailing, ...(hint === undefined ? {} : { preloadHint: hint }), renditionReports: reports }
}

/** Every name a rendition's output serves besides its segments: maps, parts, pending parts. */
export function findPartOrMap (state: TimelineState, rendition: string, name: string): { msn: number, duration: number, candidates: readonly FetchCandidate[] } | undefined {
  const pendingPart = state.pending?.renditions[rendition]?.find((p) => p.name === name)
  if (pendingPart !== undefined && state.pending !== undefined) return { msn: state.pending.msn, duration: pendingPart.duration, candidates: pendingPart.candidates }
  for (const list of [state.entries, state.retired]) {
    for (let i = list.length - 1; i >= 0; i--) {
      const entry = list[i]
      const output = entry?.renditions[rendition]
      if (entry === undefined || output === undefined) continue
      if (output.map?.name === name) return { msn: entry.msn, duration: 0, candidates: output.map.candidates }
      const part = output.parts?.find((p) => p.name === name)
      if (part !== undefined) return { msn: entry.msn, duration: part.duration, candidates: part.candidates }
    }
  }
  return undefined
}
