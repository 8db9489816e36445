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
