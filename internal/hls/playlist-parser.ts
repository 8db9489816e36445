import { Parser } from 'm3u8-parser'
import type { M3u8Manifest } from 'm3u8-parser'
import type { MediaPlaylist, Segment } from './media-playlist.js'
import type { MasterPlaylist, Variant } from './master-playlist.js'
import { lex, Refusal, refuse, type Lexed } from './playlist-lexer.js'

/** Upper bounds that keep a hostile playlist from costing memory or CPU. */
export interface ParseLimits {
  readonly maxBytes: number
  readonly maxSegments: number
  readonly maxVariants: number
  readonly maxTargetDuration: number
  readonly maxLineLength: number
  /**
   * Accept absolute http(s) segment URIs. Off for packagers (the origin must never be pointed
   * elsewhere); on for reading the origin's own output, whose segments live on edges.
   */
  readonly allowAbsoluteSegmentUris?: boolean
  /** Accept absolute http(s) variant URIs (of a valid path); the caller must then check the host. Off by default. */
  readonly allowAbsoluteVariantUris?: boolean
  /** Accept CMAF sources: EXT-X-MAP and LL-HLS parts. Off where the reader cannot stitch them. */
  readonly cmaf?: boolean
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = Object.freeze({
  maxBytes: 1024 * 1024,
  maxSegments: 5000,
  maxVariants: 64,
  maxTargetDuration: 60,
  maxLineLength: 4096
})

/** Result of parsing: never an exception, so one bad packager cannot crash the origin. */
export type ParseResult<P> = { readonly ok: true, readonly playlist: P } | { readonly ok: false, readonly reason: string }

function runM3u8Parser (text: string): M3u8Manifest {
  const parser = new Parser()
  const errors: string[] = []
  parser.on('error', (e) => { errors.push(e.message) })
  parser.push(text)
  parser.end()
  if (errors.length > 0) refuse(`m3u8-parser: ${errors[0] ?? ''}`)
  return parser.manifest
}

function toMedia (m: M3u8Manifest, lexed: Lexed): MediaPlaylist {
  const targetDuration = lexed.targetDuration ?? 0
  if (m.targetDuration !== targetDuration) refuse('target duration disagrees between parsers')
  if (m.segments.length !== lexed.uris.length) refuse('segment count disagrees between parsers')
  const mediaSequence = m.mediaSequence ?? 0
  const segments: Segment[] = []
  for (let i = 0; i < m.segments.length; i++) {
    const s = m.segments[i]
    const uri = lexed.uris[i]
    const duration = lexed.durations[i]
    if (s === undefined || uri === undefined || duration === undefined || s.uri !== uri) refuse(`segment ${i} disagrees between parsers`)
    // RFC 8216bis 4.4.3.1: the EXTINF duration rounded to the nearest integer must not exceed the target.
    if (Math.round(duration) > targetDuration) refuse(`segment ${uri} lasts ${duration}s, longer than the target duration ${targetDuration}s`)
    const pdt = s.programDateTime
    if (pdt !== undefined && !Number.isFinite(pdt)) refuse(`segment ${uri} has an invalid program date time`)
    const plain: Segment = { msn: mediaSequence + i, uri, duration, discontinuity: s.discontinuity === true }
    const map = lexed.maps[i]
    const parts = lexed.parts[i] ?? []
    const seg: Segment = {
      ...plain,
      ...(lexed.gaps[i] === true ? { gap: true } : {}),
      ...(map === undefined ? {} : { map }),
      ...(parts.length === 0 ? {} : { parts })
    }
    segments.push(pdt === undefined ? seg : { ...seg, programDateTimeMs: pdt })
  }
  if (!Number.isSafeInteger(mediaSequence + segments.length)) refuse('media sequence is too large')
  return {
    kind: 'media',
    version: m.version ?? 1,
    targetDuration,
    mediaSequence,
    discontinuitySequence: m.discontinuitySequence ?? 0,
    segments,
    endList: m.endList === true,
    independentSegments: m.independentSegments === true,
    ...(lexed.partTarget === undefined ? {} : { partTargetDuration: lexed.partTarget, trailingParts: lexed.trailingParts }),
    ...(lexed.preloadHint === undefined ? {} : { preloadHint: lexed.preloadHint })
  }
}

function toMaster (m: M3u8Manifest, lexed: Lexed): MasterPlaylist {
  const list = m.playlists ?? []
  if (list.length !== lexed.uris.length) refuse('variant count disagrees between parsers')
  const variants: Variant[] = list.map((p, i) => {
    const a = p.attributes ?? {}
    if (p.uri !== lexed.uris[i] || p.uri === undefined) refuse(`variant ${i} disagrees between parsers`)
    const v: { -readonly [K in keyof Variant]: Variant[K] } = { uri: p.uri, bandwidth: Number(a.BANDWIDTH) }
    if (a['AVERAGE-BANDWIDTH'] !== undefined) v.averageBandwidth = Number(a['AVERAGE-BANDWIDTH'])
    const r = a.RESOLUTION as { width?: number, height?: number } | undefined
    if (r?.width !== undefined && r.height !== undefined) v.resolution = { width: r.width, height: r.height }
    if (typeof a.CODECS === 'string') v.codecs = a.CODECS
    if (typeof a['FRAME-RATE'] === 'number') v.frameRate = a['FRAME-RATE']
    return v
  })
  const master: MasterPlaylist = { kind: 'master', variants, independentSegments: m.independentSegments === true }
  return m.version === undefined ? master : { ...master, version: m.version }
}

/** Parses a master or media playlist, strictly; the result says which, or why it was refused. */
export function parsePlaylist (text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParseResult<MediaPlaylist | MasterPlaylist> {
  try {
    if (typeof text !== 'string') refuse('playlist is not text')
    if (Buffer.byteLength(text, 'utf8') > limits.maxBytes) refuse(`playlist is larger than ${limits.maxBytes} bytes`)
    const lexed = lex(text, limits)
    const manifest = runM3u8Parser(text)
    return { ok: true, playlist: lexed.kind === 'media' ? toMedia(manifest, lexed) : toMaster(manifest, lexed) }
  } catch (err) {
    if (err instanceof Refusal) return { ok: false, reason: err.message }
    return { ok: false, reason: `unparseable playlist: ${err instanceof Error ? err.message : String(err)}` }
  }
}

/** Parses text that must be a media playlist (a packager's rendition playlist). */
export function parseMediaPlaylist (text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParseResult<MediaPlaylist> {
  const r = parsePlaylist(text, limits)
  if (!r.ok) return r
  return r.playlist.kind === 'media' ? { ok: true, playlist: r.playlist } : { ok: false, reason: 'expected a media playlist, got a master playlist' }
}

/** Parses text that must be a master playlist. */
export function parseMasterPlaylist (text: string, limits: ParseLimits = DEFAULT_PARSE_LIMITS): ParseResult<MasterPlaylist> {
  const r = parsePlaylist(text, limits)
  if (!r.ok) return r
  return r.playlist.kind === 'master' ? { ok: true, playlist: r.playlist } : { ok: false, reason: 'expected a master playlist, got a media playlist' }
}
