import { programDateTime } from './epoch-clock.js'

/** The outcome of a rewrite: errors are data, so a half-written or foreign playlist is skipped, not thrown. */
export type RewriteResult =
  | { readonly ok: true, readonly text: string, readonly firstMsn: number, readonly lastMsn: number, readonly segments: number }
  | { readonly ok: false, readonly reason: string }

const SEGMENT_NAME = /^(\d{1,15})\.ts$/

/**
 * Turns the private playlist ffmpeg writes into the public one: media sequence and
 * PROGRAM-DATE-TIME come from the segment names (`<msn>.ts`, msn = epoch seconds / SEG), so they
 * are exact whatever ffmpeg's clock said; EXT-X-ENDLIST is dropped because the event goes on
 * after a worker restart.
 */
export function rewritePrivatePlaylist (privateText: string, segmentSeconds: number): RewriteResult {
  const lines = privateText.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '')
  if (lines[0] !== '#EXTM3U') return { ok: false, reason: 'missing #EXTM3U' }
  const segments: Array<{ msn: number, duration: string, uri: string, discontinuity: boolean }> = []
  let pendingDuration: string | undefined
  let pendingDiscontinuity = false
  for (const line of lines.slice(1)) {
    if (line.startsWith('#EXTINF:')) {
      const duration = line.slice('#EXTINF:'.length).split(',')[0] ?? ''
      if (!/^\d+(\.\d+)?$/.test(duration)) return { ok: false, reason: `bad EXTINF '${line}'` }
      pendingDuration = duration
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
      segments.push({ msn, duration: pendingDuration, uri: line, discontinuity: pendingDiscontinuity })
      pendingDuration = undefined
      pendingDiscontinuity = false
    }
    // every other tag (VERSION, TARGETDURATION, MEDIA-SEQUENCE, ENDLIST, ...) is rebuilt or dropped
  }
  const first = segments[0]
  const last = segments[segments.length - 1]
  if (first === undefined || last === undefined) return { ok: false, reason: 'no segments yet' }

  // EXTINF rounded must not exceed the target duration (RFC 8216bis 4.4.3.1); with an exact GOP it is SEG
  const longest = Math.max(...segments.map((s) => Math.round(Number(s.duration))))
  const targetDuration = Math.max(segmentSeconds, longest)
  const out = [
    '#EXTM3U',
    '#EXT-X-VERSION:3',
    `#EXT-X-TARGETDURATION:${targetDuration}`,
    `#EXT-X-MEDIA-SEQUENCE:${first.msn}`,
    '#EXT-X-INDEPENDENT-SEGMENTS'
  ]
  for (const s of segments) {
    if (s.discontinuity) out.push('#EXT-X-DISCONTINUITY')
    out.push(`#EXT-X-PROGRAM-DATE-TIME:${programDateTime(s.msn, segmentSeconds)}`, `#EXTINF:${s.duration},`, s.uri)
  }
  return { ok: true, text: out.join('\n') + '\n', firstMsn: first.msn, lastMsn: last.msn, segments: segments.length }
}
