import type { MediaPlaylist, Part } from './media-playlist.js'
import type { MasterPlaylist } from './master-playlist.js'

/**
 * Where URIs point. The playlist keeps relative paths; a host prefix is added only here, so the
 * same model can be served with origin-relative URIs or rewritten onto edges.
 */
export interface SerializeOptions {
  /** Prefix for every URI, or a function of the relative URI. */
  readonly uriBase?: string | ((uri: string) => string)
  /** Media playlists only: attributes of EXT-X-SERVER-CONTROL, e.g. "CAN-BLOCK-RELOAD=YES" (RFC 8216bis 4.4.3.8). */
  readonly serverControl?: string
  /**
   * A delta update (RFC 8216bis 6.2.5.1): the first this many segments become one EXT-X-SKIP.
   * The caller keeps it within CAN-SKIP-UNTIL; 0 or undefined writes the whole playlist.
   */
  readonly skipSegments?: number
}

function applyBase (uri: string, options: SerializeOptions | undefined): string {
  const base = options?.uriBase
  if (base === undefined) return uri
  return typeof base === 'string' ? base + uri : base(uri)
}

/** EXTINF value: fixed precision so equal models always give byte-identical text. */
export function formatDuration (seconds: number): string {
  const fixed = seconds.toFixed(6).replace(/0+$/, '')
  const dot = fixed.indexOf('.')
  return fixed.length - dot - 1 < 3 ? seconds.toFixed(3) : fixed
}

/** EXT-X-PROGRAM-DATE-TIME value: ISO 8601 with milliseconds and Z. */
export function formatProgramDateTime (ms: number): string {
  return new Date(Math.round(ms)).toISOString()
}

function partLine (part: Part, options: SerializeOptions | undefined): string {
  const independent = part.independent ? ',INDEPENDENT=YES' : ''
  return `#EXT-X-PART:DURATION=${formatDuration(part.duration)},URI="${applyBase(part.uri, options)}"${independent}`
}

/** Writes a media playlist; deterministic: same model and options give the same bytes. */
export function serializeMediaPlaylist (p: MediaPlaylist, options?: SerializeOptions): string {
  const skip = Math.max(0, Math.min(options?.skipSegments ?? 0, p.segments.length))
  const out: string[] = ['#EXTM3U', `#EXT-X-VERSION:${p.version}`]
  if (p.independentSegments) out.push('#EXT-X-INDEPENDENT-SEGMENTS')
  out.push(`#EXT-X-TARGETDURATION:${p.targetDuration}`)
  if (options?.serverControl !== undefined) out.push(`#EXT-X-SERVER-CONTROL:${options.serverControl}`)
  if (p.partTargetDuration !== undefined) out.push(`#EXT-X-PART-INF:PART-TARGET=${formatDuration(p.partTargetDuration)}`)
  out.push(`#EXT-X-MEDIA-SEQUENCE:${p.mediaSequence}`)
  out.push(`#EXT-X-DISCONTINUITY-SEQUENCE:${p.discontinuitySequence}`)
  if (skip > 0) out.push(`#EXT-X-SKIP:SKIPPED-SEGMENTS=${skip}`)
  // a skipped map still applies to the first listed segment: the delta names it again
  let map: string | undefined
  p.segments.forEach((s, i) => {
    if (i < skip) {
      map = s.map ?? map
      return
    }
    if (s.map !== undefined && (s.map !== map || i === skip)) out.push(`#EXT-X-MAP:URI="${applyBase(s.map, options)}"`)
    map = s.map ?? map
    if (s.discontinuity) out.push('#EXT-X-DISCONTINUITY')
    if (s.programDateTimeMs !== undefined) out.push(`#EXT-X-PROGRAM-DATE-TIME:${formatProgramDateTime(s.programDateTimeMs)}`)
    if (s.gap === true) out.push('#EXT-X-GAP')
    for (const part of s.parts ?? []) out.push(partLine(part, options))
    out.push(`#EXTINF:${formatDuration(s.duration)},`)
    out.push(applyBase(s.uri, options))
  })
  for (const part of p.trailingParts ?? []) out.push(partLine(part, options))
  if (p.preloadHint !== undefined) out.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="${applyBase(p.preloadHint, options)}"`)
  if (p.endList) out.push('#EXT-X-ENDLIST')
  for (const r of p.renditionReports ?? []) {
    const lastPart = r.lastPart === undefined ? '' : `,LAST-PART=${r.lastPart}`
    out.push(`#EXT-X-RENDITION-REPORT:URI="${r.uri}",LAST-MSN=${r.lastMsn}${lastPart}`)
  }
  return out.join('\n') + '\n'
}

/** Writes a master playlist; deterministic. */
export function serializeMasterPlaylist (p: MasterPlaylist, options?: SerializeOptions): string {
  const out: string[] = ['#EXTM3U']
  if (p.version !== undefined) out.push(`#EXT-X-VERSION:${p.version}`)
  if (p.independentSegments) out.push('#EXT-X-INDEPENDENT-SEGMENTS')
  if (p.contentSteering !== undefined) out.push(`#EXT-X-CONTENT-STEERING:SERVER-URI="${p.contentSteering.serverUri}",PATHWAY-ID="${p.contentSteering.pathwayId}"`)
  for (const v of p.variants) {
    const attrs = [`BANDWIDTH=${v.bandwidth}`]
    if (v.averageBandwidth !== undefined) attrs.push(`AVERAGE-BANDWIDTH=${v.averageBandwidth}`)
    if (v.resolution !== undefined) attrs.push(`RESOLUTION=${v.resolution.width}x${v.resolution.height}`)
    if (v.frameRate !== undefined) attrs.push(`FRAME-RATE=${v.frameRate.toFixed(3)}`)
    if (v.codecs !== undefined) attrs.push(`CODECS="${v.codecs}"`)
    if (v.pathwayId !== undefined) attrs.push(`PATHWAY-ID="${v.pathwayId}"`)
    out.push(`#EXT-X-STREAM-INF:${attrs.join(',')}`)
    out.push(applyBase(v.uri, options))
  }
  return out.join('\n') + '\n'
}

/** Writes either kind. */
export function serializePlaylist (p: MediaPlaylist | MasterPlaylist, options?: SerializeOptions): string {
  return p.kind === 'media' ? serializeMediaPlaylist(p, options) : serializeMasterPlaylist(p, options)
}
