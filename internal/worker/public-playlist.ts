import type { MediaPlaylist, Segment } from '../hls/media-playlist.js'
import { serializeMediaPlaylist } from '../hls/playlist-serializer.js'
import { boundaryMs } from './epoch-clock.js'

/** The outcome of a rewrite: errors are data, so a half-written or foreign playlist is skipped, not thrown. */
export type RewriteResult =
  | { readonly ok: true, readonly text: string, readonly playlist: MediaPlaylist, readonly firstMsn: number, readonly lastMsn: number, readonly segments: number }
  | { readonly ok: false, readonly reason: string }

export type PrivateReadResult =
  | { readonly ok: true, readonly playlist: MediaPlaylist }
  | { readonly ok: false, readonly reason: string }

const SEGMENT_NAME = /^(\d{1,15})\.ts$/
const EXTINF_SECONDS = /^\d+(\.\d+)?$/

/**
 * Reads the private playlist ffmpeg writes into the public model: media sequence and
 * PROGRAM-DATE-TIME come from the segment names (`<msn>.ts`, msn = epoch seconds / SEG), so they
 * are exact whatever ffmpeg's clock said; EXT-X-ENDLIST is dropped because the event goes on
 * after a worker restart. Lenient where ffmpeg is (any tag it adds is ignored), strict on what
 * the public playlist promises: contiguous `<msn>.ts` names, each with a decimal EXTINF.
 */
export function readPrivatePlaylist (privateText: string, segmentSeconds: number): PrivateReadResult {
  const lines = privateText.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
  if (lines[0] !== '#EXTM3U') return { ok: false, reason: 'missing #EXTM3U' }
  const segments: Segment[] = []
  let pendingDuration: number | undefined
  let pendingDiscontinuity = false
  for (const line of lines.slice(1)) {
    if (line.startsWith('#EXTINF:')) {
      const duration = line.slice('#EXTINF:'.length).split(',')[0] ?? ''
      if (!EXTINF_SECONDS.test(duration)) return { ok: false, reason: `bad EXTINF '${line}'` }
      pendingDuration = Number(duration)
    } else if (line === '#EXT-X-DISCONTINUITY') {
      pendingDiscontinuity = true
    } else if (!line.startsWith('#')) {
      if (pendingDuration === undefined) return { ok: false, reason: `segment '${line}' without EXTINF` }
      const match = SEGMENT_NAME.exec(line)
      if (match === null) return { ok: false, reason: `segment '${line}' is not named <msn>.ts` }
      const msn = Number(match[1])
      const previous = segments[segments.length - 1]
      if (previous !== undefined && msn !== previous.msn + 1) {
        return { ok: false, reason: `segment ${msn} does not follow ${previous.msn}` }
      }
      segments.push({ msn, uri: line, duration: pendingDuration, discontinuity: pendingDiscontinuity, programDateTimeMs: boundaryMs(msn, segmentSeconds) })
      pendingDuration = undefined
      pendingDiscontinuity = false
    }
    // every other tag (VERSION, TARGETDURATION, MEDIA-SEQUENCE, ENDLIST, ...) is rebuilt or dropped
  }
  const first = segments[0]
  if (first === undefined) return { ok: false, reason: 'no segments yet' }
  // EXTINF rounded must not exceed the target duration (RFC 8216bis 4.4.3.1); with an exact GOP it is SEG
  const longest = Math.max(...segments.map((s) => Math.round(s.duration)))
  return {
    ok: true,
    playlist: {
      kind: 'media',
      version: 3,
      targetDuration: Math.max(segmentSeconds, longest),
      mediaSequence: first.msn,
      // ffmpeg's discontinuities stay on their segments; the worker never counted those that left
      // the window, and writing the 0 it always meant keeps that (RFC 8216bis 4.4.3.3 default)
      discontinuitySequence: 0,
      segments,
      endList: false,
      independentSegments: true
    }
  }
}

/** Turns the private playlist ffmpeg writes into the public one (with any caught-up segments), written by hls/'s serializer. */
export function rewritePrivatePlaylist (privateText: string, segmentSeconds: number, catchUp: readonly Segment[] = []): RewriteResult {
  const read = readPrivatePlaylist(privateText, segmentSeconds)
  if (!read.ok) return read
  const playlist = withCatchUp(read.playlist, catchUp)
  const first = playlist.segments[0] as Segment
  const last = playlist.segments[playlist.segments.length - 1] as Segment
  return { ok: true, text: serializeMediaPlaylist(playlist), playlist, firstMsn: first.msn, lastMsn: last.msn, segments: playlist.segments.length }
}

/**
 * The public playlist with the segments a catch-up run re-encoded (`catchUp`, by MSN) merged in:
 * the longest run of consecutive MSNs ending at the newest of either. A catch-up segment follows
 * the dead run's last one and precedes the restarted run's first; once the restarted run's window
 * slides past it, it no longer touches that window and drops out.
 */
export function withCatchUp (playlist: MediaPlaylist, catchUp: readonly Segment[]): MediaPlaylist {
  if (catchUp.length === 0) return playlist
  const byMsn = new Map<number, Segment>()
  for (const s of catchUp) byMsn.set(s.msn, s)
  for (const s of playlist.segments) byMsn.set(s.msn, s)
  let msn = Math.max(...byMsn.keys())
  const segments: Segment[] = []
  for (let s = byMsn.get(msn); s !== undefined; s = byMsn.get(--msn)) segments.unshift(s)
  const first = segments[0] as Segment
  return { ...playlist, mediaSequence: first.msn, segments }
}
