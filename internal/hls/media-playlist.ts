/** A partial segment (LL-HLS, RFC 8216bis 4.4.4.9): a run of the parent segment's media. */
export interface Part {
  /** Relative URI, as a segment's. */
  readonly uri: string
  /** Seconds. */
  readonly duration: number
  /** Starts with a sync sample: a player may begin decoding here. */
  readonly independent: boolean
}

/** A rendition report (RFC 8216bis 4.4.5.4): where a sibling rendition's playlist has got to. */
export interface RenditionReport {
  readonly uri: string
  readonly lastMsn: number
  readonly lastPart?: number
}

/** One media segment as the origin understands it (RFC 8216bis 4.4.4). */
export interface Segment {
  /** Media sequence number. */
  readonly msn: number
  /** Relative URI: "<name>" or "<dir>/<name>", checked against NAME_PATTERNS. */
  readonly uri: string
  /** EXTINF duration, seconds. */
  readonly duration: number
  /** EXT-X-PROGRAM-DATE-TIME of the segment's first sample (explicit or extrapolated), epoch ms. */
  readonly programDateTimeMs?: number
  /** EXT-X-DISCONTINUITY precedes this segment. */
  readonly discontinuity: boolean
  /** EXT-X-GAP: no source has this media; the numbering and timeline go on and players skip it (RFC 8216bis 4.4.4.7). */
  readonly gap?: boolean
  /** EXT-X-MAP URI of the init segment it needs (fMP4); written when it changes. */
  readonly map?: string
  /** Its partial segments, listed while it is near the live edge (LL-HLS). */
  readonly parts?: readonly Part[]
}

/** A media playlist, already validated (see playlist-parser.ts). */
export interface MediaPlaylist {
  readonly kind: 'media'
  readonly version: number
  /** EXT-X-TARGETDURATION, integer seconds. */
  readonly targetDuration: number
  readonly mediaSequence: number
  readonly discontinuitySequence: number
  readonly segments: readonly Segment[]
  readonly endList: boolean
  readonly independentSegments: boolean
  /** LL-HLS: EXT-X-PART-INF PART-TARGET, seconds. Undefined: a playlist without parts. */
  readonly partTargetDuration?: number
  /** LL-HLS: parts of the segment after the last listed one, still being written. */
  readonly trailingParts?: readonly Part[]
  /** LL-HLS: EXT-X-PRELOAD-HINT TYPE=PART, the URI of the next part. */
  readonly preloadHint?: string
  readonly renditionReports?: readonly RenditionReport[]
}

/** Sum of EXTINF durations, seconds. */
export function playlistDuration (playlist: Pick<MediaPlaylist, 'segments'>): number {
  let total = 0
  for (const s of playlist.segments) total += s.duration
  return total
}

/** MSN of the newest segment, or mediaSequence - 1 when the playlist is empty. */
export function lastMsn (playlist: Pick<MediaPlaylist, 'segments' | 'mediaSequence'>): number {
  const last = playlist.segments[playlist.segments.length - 1]
  return last === undefined ? playlist.mediaSequence - 1 : last.msn
}

/** The segment with this MSN, if listed. */
export function segmentByMsn (playlist: Pick<MediaPlaylist, 'segments' | 'mediaSequence'>, msn: number): Segment | undefined {
  const s = playlist.segments[msn - playlist.mediaSequence]
  return s !== undefined && s.msn === msn ? s : undefined
}

/** The newest part listed: of the trailing parts, or of the last segment; undefined when there is none. */
export function lastPart (playlist: Pick<MediaPlaylist, 'segments' | 'mediaSequence' | 'trailingParts'>): { msn: number, part: number } | undefined {
  const trailing = playlist.trailingParts ?? []
  if (trailing.length > 0) return { msn: lastMsn(playlist) + 1, part: trailing.length - 1 }
  const last = playlist.segments[playlist.segments.length - 1]
  const parts = last?.parts ?? []
  return last === undefined || parts.length === 0 ? undefined : { msn: last.msn, part: parts.length - 1 }
}
