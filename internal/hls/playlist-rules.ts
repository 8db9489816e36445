import type { MediaPlaylist } from './media-playlist.js'
import { playlistDuration } from './media-playlist.js'
import { segmentPath } from './playlist-uri.js'

/** Which rule of RFC 8216bis 6.2 (the origin's rules in docs/design.md) an update broke. */
export type ViolationRule =
  | 'media-sequence-decreased'
  | 'discontinuity-sequence-decreased'
  | 'discontinuity-sequence-mismatch'
  | 'segment-changed'
  | 'discontinuity-changed'
  | 'pdt-changed'
  | 'pdt-not-monotonic'
  | 'removed-from-tail'
  | 'target-duration-changed'
  | 'segment-longer-than-target'
  | 'window-too-short'
  | 'stalled'
  | 'part-changed'
  | 'part-removed-from-tail'

/** A rule broken by one playlist update, as data (never thrown). */
export interface Violation {
  readonly rule: ViolationRule
  readonly msn?: number
  readonly detail: string
}

interface SeenSegment { readonly uri: string, readonly discontinuity: boolean, readonly pdt?: number }

/** What the checker remembers about one playlist URL: plain data, built with recordPlaylist. */
export interface PlaylistHistory {
  readonly last?: MediaPlaylist
  readonly targetDuration?: number
  readonly maxMediaSequence: number
  readonly maxDiscontinuitySequence: number
  /** Every MSN ever seen, with what it named. */
  readonly seen: Readonly<Record<number, SeenSegment>>
  /** LL-HLS: the part URIs ever listed for an MSN, in order. */
  readonly parts?: Readonly<Record<number, readonly string[]>>
  /** When the newest MSN last grew (only if times were given). */
  readonly lastAdvanceAt?: number
}

export interface RuleOptions {
  /** Report 'stalled' when the newest MSN has not grown for longer than this (needs now). */
  readonly maxStallMs?: number
  /** PDT of one MSN may move by this much between reloads (rounding to ms). */
  readonly pdtToleranceMs?: number
}

function samePath (a: string, b: string): boolean {
  if (a === b) return true
  const pa = segmentPath(a)
  const pb = segmentPath(b)
  // a relative URI names the path below the playlist; an absolute one the whole path
  return pa === pb || pa.endsWith(`/${pb}`) || pb.endsWith(`/${pa}`)
}

export const EMPTY_HISTORY: PlaylistHistory = Object.freeze({ maxMediaSequence: -1, maxDiscontinuitySequence: -1, seen: Object.freeze({}) })

function newestMsn (p: MediaPlaylist): number { return p.mediaSequence + p.segments.length - 1 }

/** The parts a playlist lists, by MSN: its segments' and the trailing ones of the next MSN. */
function listedParts (p: MediaPlaylist): Map<number, string[]> {
  const out = new Map<number, string[]>()
  for (const s of p.segments) if ((s.parts?.length ?? 0) > 0) out.set(s.msn, (s.parts ?? []).map((x) => x.uri))
  if ((p.trailingParts?.length ?? 0) > 0) out.set(newestMsn(p) + 1, (p.trailingParts ?? []).map((x) => x.uri))
  return out
}

/**
 * LL-HLS: a part once listed names the same media while its MSN lists parts, and the parts of an
 * MSN never shrink while they are listed (they may all leave together, 3 target durations on).
 */
function checkParts (history: PlaylistHistory, next: MediaPlaylist): Violation[] {
  const v: Violation[] = []
  for (const [msn, uris] of listedParts(next)) {
    const old = history.parts?.[msn]
    if (old === undefined) continue
    old.forEach((uri, k) => {
      const now = uris[k]
      if (now !== undefined && !samePath(uri, now)) v.push({ rule: 'part-changed', msn, detail: `part ${k}: ${uri} -> ${now}` })
    })
    if (uris.length < old.length) v.push({ rule: 'part-removed-from-tail', msn, detail: `${old.length} parts listed, then ${uris.length}` })
  }
  return v
}

/** Checks one new version of a playlist against everything seen before for the same URL. */
export function checkPlaylistUpdate (history: PlaylistHistory, next: MediaPlaylist, now?: number, options: RuleOptions = {}): Violation[] {
  const v: Violation[] = []
  const tol = options.pdtToleranceMs ?? 1
  const td = next.targetDuration
  // Rules on the playlist alone.
  for (const s of next.segments) {
    if (Math.round(s.duration) > td) v.push({ rule: 'segment-longer-than-target', msn: s.msn, detail: `${s.duration}s > ${td}s` })
  }
  let prevPdt: number | undefined
  for (const s of next.segments) {
    if (s.programDateTimeMs !== undefined) {
      if (prevPdt !== undefined && s.programDateTimeMs <= prevPdt) {
        v.push({ rule: 'pdt-not-monotonic', msn: s.msn, detail: `${s.programDateTimeMs} <= ${prevPdt}` })
      }
      prevPdt = s.programDateTimeMs
    }
  }
  // Rule 1: sequence numbers never decrease.
  if (next.mediaSequence < history.maxMediaSequence) {
    v.push({ rule: 'media-sequence-decreased', detail: `${next.mediaSequence} < ${history.maxMediaSequence}` })
  }
  if (next.discontinuitySequence < history.maxDiscontinuitySequence) {
    v.push({ rule: 'discontinuity-sequence-decreased', detail: `${next.discontinuitySequence} < ${history.maxDiscontinuitySequence}` })
  }
  // Rule 2: an MSN once served names the same segment forever.
  for (const s of next.segments) {
    const old = history.seen[s.msn]
    if (old === undefined) continue
    // rule 2 fixes the path; the host may move between edges (only when the edge set changes)
    if (!samePath(old.uri, s.uri)) v.push({ rule: 'segment-changed', msn: s.msn, detail: `${old.uri} -> ${s.uri}` })
    if (old.discontinuity !== s.discontinuity) v.push({ rule: 'discontinuity-changed', msn: s.msn, detail: `${old.discontinuity} -> ${s.discontinuity}` })
    if (old.pdt !== undefined && s.programDateTimeMs !== undefined && Math.abs(old.pdt - s.programDateTimeMs) > tol) {
      v.push({ rule: 'pdt-changed', msn: s.msn, detail: `${old.pdt} -> ${s.programDateTimeMs}` })
    }
  }
  // Rule 3: target duration fixed; leave only from the head; window >= 3 target durations after a removal.
  if (history.targetDuration !== undefined && history.targetDuration !== td) {
    v.push({ rule: 'target-duration-changed', detail: `${history.targetDuration} -> ${td}` })
  }
  const last = history.last
  if (last !== undefined) {
    if (newestMsn(next) < newestMsn(last)) {
      v.push({ rule: 'removed-from-tail', msn: newestMsn(last), detail: `newest MSN went from ${newestMsn(last)} to ${newestMsn(next)}` })
    }
    if (next.mediaSequence > last.mediaSequence) {
      const total = playlistDuration(next)
      if (total < 3 * td - 1e-6) v.push({ rule: 'window-too-short', detail: `${total.toFixed(3)}s left after removal, need ${3 * td}s` })
      // RFC 8216bis 6.2.2: DS grows by the number of EXT-X-DISCONTINUITY tags that left the head.
      // Only checkable when every removed segment was seen in the previous version.
      if (next.mediaSequence <= newestMsn(last) + 1) {
        let removedTags = 0
        for (const s of last.segments) if (s.msn < next.mediaSequence && s.discontinuity) removedTags++
        const expected = last.discontinuitySequence + removedTags
        if (next.discontinuitySequence !== expected) {
          v.push({ rule: 'discontinuity-sequence-mismatch', detail: `expected ${expected} (${last.discontinuitySequence} + ${removedTags} removed), got ${next.discontinuitySequence}` })
        }
      }
    } else if (next.mediaSequence === last.mediaSequence && next.discontinuitySequence !== last.discontinuitySequence) {
      v.push({ rule: 'discontinuity-sequence-mismatch', detail: `changed from ${last.discontinuitySequence} to ${next.discontinuitySequence} with no segment removed` })
    }
  }
  v.push(...checkParts(history, next))
  if (now !== undefined && options.maxStallMs !== undefined && history.lastAdvanceAt !== undefined && last !== undefined &&
    newestMsn(next) <= newestMsn(last) && now - history.lastAdvanceAt > options.maxStallMs) {
    v.push({ rule: 'stalled', detail: `no new segment for ${now - history.lastAdvanceAt} ms` })
  }
  return v
}

/** Remembers a playlist that was served/seen, for checking the next one. */
export function recordPlaylist (history: PlaylistHistory, next: MediaPlaylist, now?: number): PlaylistHistory {
  const maxMediaSequence = Math.max(history.maxMediaSequence, next.mediaSequence)
  // An MSN below the highest media sequence can never be listed again without breaking rule 1
  // (reported on its own), so forgetting it keeps a long-running watcher's memory flat.
  const seen: Record<number, SeenSegment> = {}
  for (const [k, s] of Object.entries(history.seen)) if (Number(k) >= maxMediaSequence) seen[Number(k)] = s
  for (const s of next.segments) {
    if (seen[s.msn] !== undefined) continue
    seen[s.msn] = s.programDateTimeMs === undefined
      ? { uri: s.uri, discontinuity: s.discontinuity }
      : { uri: s.uri, discontinuity: s.discontinuity, pdt: s.programDateTimeMs }
  }
  const advanced = history.last === undefined || newestMsn(next) > newestMsn(history.last)
  const parts: Record<number, readonly string[]> = {}
  for (const [k, uris] of Object.entries(history.parts ?? {})) if (Number(k) >= maxMediaSequence) parts[Number(k)] = uris
  for (const [msn, uris] of listedParts(next)) if (uris.length >= (parts[msn]?.length ?? 0)) parts[msn] = uris
  const h: PlaylistHistory = {
    last: next,
    targetDuration: history.targetDuration ?? next.targetDuration,
    maxMediaSequence,
    maxDiscontinuitySequence: Math.max(history.maxDiscontinuitySequence, next.discontinuitySequence),
    seen,
    ...(Object.keys(parts).length === 0 ? {} : { parts })
  }
  const at = advanced ? now : history.lastAdvanceAt
  return at === undefined ? h : { ...h, lastAdvanceAt: at }
}

/** Checks a whole sequence of versions of one playlist; violations carry the index of the version. */
export function checkPlaylistSequence (versions: readonly MediaPlaylist[]): Array<Violation & { readonly index: number }> {
  let h = EMPTY_HISTORY
  const out: Array<Violation & { index: number }> = []
  versions.forEach((p, index) => {
    for (const x of checkPlaylistUpdate(h, p)) out.push({ ...x, index })
    h = recordPlaylist(h, p)
  })
  return out
}
