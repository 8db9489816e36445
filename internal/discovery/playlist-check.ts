import { DEFAULT_PARSE_LIMITS, parsePlaylist, type ParseLimits } from '../hls/playlist-parser.js'

/** What a probe needs from a playlist; anything else about it is the origin's business. */
export type PlaylistCheck =
  | { readonly kind: 'master', readonly firstVariantUri: string }
  | {
    readonly kind: 'media'
    readonly mediaSequence: number
    /** Media sequence number of the last segment. */
    readonly lastSequence: number
    readonly lastSegmentUri: string
    readonly targetDurationMs: number
  }
  | { readonly kind: 'malformed' | 'empty', readonly detail: string }

// Absolute URIs are read, not refused: the prober checks a variant's host itself ("foreign
// variant"), and a segment's host is the origin's business, not a sign the packager is down.
const PROBE_LIMITS: ParseLimits = Object.freeze({ ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true, allowAbsoluteVariantUris: true, cmaf: true })

/** Classifies a playlist body with hls/'s strict parser, the one the origin reads packagers with. */
export function checkPlaylist (text: string): PlaylistCheck {
  if (!/^(?:\uFEFF)?#EXTM3U[ \t]*\r?\n/.test(text)) return { kind: 'malformed', detail: 'does not start with #EXTM3U' }
  // a byte order mark is tolerated here (some packagers write one); the parser wants the tag first
  const parsed = parsePlaylist(text.charCodeAt(0) === 0xFEFF ? text.slice(1) : text, PROBE_LIMITS)
  if (!parsed.ok) return { kind: 'malformed', detail: parsed.reason }
  const playlist = parsed.playlist
  if (playlist.kind === 'master') {
    const first = playlist.variants[0]
    if (first === undefined) return { kind: 'malformed', detail: 'master playlist lists no variants' }
    return { kind: 'master', firstVariantUri: first.uri }
  }
  const last = playlist.segments[playlist.segments.length - 1]
  if (last === undefined) return { kind: 'empty', detail: 'media playlist lists no segments' }
  return {
    kind: 'media',
    mediaSequence: playlist.mediaSequence,
    lastSequence: last.msn,
    lastSegmentUri: last.uri,
    targetDurationMs: playlist.targetDuration * 1000
  }
}
