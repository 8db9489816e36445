import type { MediaPlaylist } from './media-playlist.js'

/**
 * How many of a playlist's first segments a delta update may replace with EXT-X-SKIP (RFC 8216bis
 * 6.2.5.1): those that end before the skip boundary, CAN-SKIP-UNTIL seconds from the playlist's
 * end. A segment that carries parts is never skipped: a client may still be reading them.
 */
export function skippableSegments (playlist: Pick<MediaPlaylist, 'segments'>, canSkipUntilS: number): number {
  let fromEnd = 0
  let keep = 0
  for (let i = playlist.segments.length - 1; i >= 0; i--) {
    const s = playlist.segments[i]
    if (s === undefined) break
    if (fromEnd >= canSkipUntilS && (s.parts?.length ?? 0) === 0) return i + 1
    fromEnd += s.duration
    keep++
  }
  return playlist.segments.length - keep
}

/** The _HLS_skip query value: 'YES' (and 'v2', which also skips date ranges, of which we list none). */
export function wantsDelta (value: unknown): boolean {
  return value === 'YES' || value === 'v2'
}

const CAN_SKIP_UNTIL = /^#EXT-X-SERVER-CONTROL:(?:[^\n]*,)?CAN-SKIP-UNTIL=(\d+(?:\.\d+)?)/m

/** CAN-SKIP-UNTIL of a playlist's text, seconds; undefined when it does not offer delta updates. */
export function canSkipUntilOf (text: string): number | undefined {
  const match = CAN_SKIP_UNTIL.exec(text)
  return match === null ? undefined : Number(match[1])
}
