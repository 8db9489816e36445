import { Parser } from 'm3u8-parser'
import type { M3u8Manifest } from 'm3u8-parser'
import type { MediaPlaylist, Segment } from './media-playlist.js'
import type { MasterPlaylist, Variant } from './master-playlist.js'
import { isValidSegmentUri, isValidSegmentUriOnAnyHost, isValidVariantUri, isValidVariantUriOnAnyHost } from './playlist-uri.js'

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

const DECIMAL_INTEGER = /^\d{1,16}$/
const DECIMAL_FLOAT = /^\d{1,10}(?:\.\d{1,12})?$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/
// Features the origin cannot stitch or rewrite safely; a packager using them is refused, not half-served.
const UNSUPPORTED = new Set(['#EXT-X-KEY', '#EXT-X-MAP', '#EXT-X-BYTERANGE', '#EXT-X-PART', '#EXT-X-DEFINE', '#EXT-X-PRELOAD-HINT', '#EXT-X-SKIP'])
const MASTER_TAGS = new Set(['#EXT-X-STREAM-INF', '#EXT-X-MEDIA', '#EXT-X-I-FRAME-STREAM-INF', '#EXT-X-SESSION-DATA'])
const MEDIA_TAGS = new Set(['#EXTINF', '#EXT-X-TARGETDURATION', '#EXT-X-MEDIA-SEQUENCE', '#EXT-X-DISCONTINUITY',
  '#EXT-X-DISCONTINUITY-SEQUENCE', '#EXT-X-PROGRAM-DATE-TIME', '#EXT-X-ENDLIST', '#EXT-X-GAP'])

interface Lexed {
  readonly kind: 'media' | 'master'
  readonly uris: string[]
  readonly durations: number[]
  /** Per segment: EXT-X-GAP stood before its URI (m3u8-parser 7 does not read the tag). */
  readonly gaps: boolean[]
  readonly targetDuration?: number
}

class Refusal extends Error {}
function refuse (reason: string): never { throw new Refusal(reason) }

function tagValue (line: string): string { return line.slice(line.indexOf(':') + 1) }

function checkInteger (line: string, tag: string, max = Number.MAX_SAFE_INTEGER): number {
  const v = tagValue(line).trim()
  if (!DECIMAL_INTEGER.test(v)) refuse(`${tag} must be a non-negative integer, got ${JSON.stringify(v.slice(0, 32))}`)
  const n = Number(v)
  if (n > max) refuse(`${tag} ${n} is larger than ${max}`)
  return n
}

// Strict line-level pass: m3u8-parser is deliberately forgiving (it defaults a bad EXTINF to the
// target duration), so every value it would read is checked here first, against RFC 8216bis 4.
function lex (text: string, limits: ParseLimits): Lexed {
  if (text.includes('\u0000')) refuse('playlist contains a NUL byte')
  const lines = text.split('\n').map((l) => l.endsWith('\r') ? l.slice(0, -1) : l)
  if (lines[0]?.trimEnd() !== '#EXTM3U') refuse('first line is not #EXTM3U')
  let isMaster = false
  let isMedia = false
  let pendingInf: number | undefined
  let pendingStreamInf = false
  let targetDuration: number | undefined
  const uris: string[] = []
  const durations: number[] = []
  const gaps: boolean[] = []
  let pendingGap = false
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line.length > limits.maxLineLength) refuse(`line ${i + 1} is longer than ${limits.maxLineLength} characters`)
    if (line === '') continue
    if (line.startsWith('#')) {
      if (!line.startsWith('#EXT')) continue
      const tag = line.split(':', 1)[0] ?? ''
      if (UNSUPPORTED.has(tag) && !(tag === '#EXT-X-KEY' && /METHOD=NONE(?:,|$)/.test(line))) refuse(`unsupported tag ${tag}`)
      if (MASTER_TAGS.has(tag)) isMaster = true
      if (MEDIA_TAGS.has(tag)) isMedia = true
      if (tag === '#EXTINF') {
        const m = /^#EXTINF:([^,]*)(?:,.*)?$/.exec(line)
        const v = (m?.[1] ?? '').trim()
        if (!DECIMAL_FLOAT.test(v)) refuse(`EXTINF duration must be a non-negative decimal, got ${JSON.stringify(v.slice(0, 32))}`)
        const d = Number(v)
        if (!(d > 0) || !Number.isFinite(d)) refuse(`EXTINF duration must be greater than 0, got ${v}`)
        if (pendingInf !== undefined) refuse(`line ${i + 1}: EXTINF without a URI before it`)
        pendingInf = d
      } else if (tag === '#EXT-X-GAP') {
        pendingGap = true
      } else if (tag === '#EXT-X-TARGETDURATION') {
        if (targetDuration !== undefined) refuse('EXT-X-TARGETDURATION appears twice')
        targetDuration = checkInteger(line, 'EXT-X-TARGETDURATION', limits.maxTargetDuration)
        if (targetDuration < 1) refuse('EXT-X-TARGETDURATION must be at least 1')
      } else if (tag === '#EXT-X-MEDIA-SEQUENCE') {
        checkInteger(line, 'EXT-X-MEDIA-SEQUENCE')
      } else if (tag === '#EXT-X-DISCONTINUITY-SEQUENCE') {
        checkInteger(line, 'EXT-X-DISCONTINUITY-SEQUENCE')
      } else if (tag === '#EXT-X-VERSION') {
        const v = checkInteger(line, 'EXT-X-VERSION', 12)
        if (v < 1) refuse('EXT-X-VERSION must be at least 1')
      } else if (tag === '#EXT-X-PROGRAM-DATE-TIME') {
        const v = tagValue(line).trim()
        if (!ISO_DATE.test(v) || !Number.isFinite(Date.parse(v))) refuse(`EXT-X-PROGRAM-DATE-TIME is not an ISO 8601 date: ${JSON.stringify(v.slice(0, 40))}`)
      } else if (tag === '#EXT-X-STREAM-INF') {
        if (pendingStreamInf) refuse(`line ${i + 1}: EXT-X-STREAM-INF without a URI before it`)
        checkStreamInf(tagValue(line))
        pendingStreamInf = true
      }
      continue
    }
    // A URI line.
    if (pendingStreamInf) {
      if (!(limits.allowAbsoluteVariantUris === true ? isValidVariantUriOnAnyHost(line) : isValidVariantUri(line))) refuse(`variant URI is not a relative playlist name: ${JSON.stringify(line.slice(0, 80))}`)
      pendingStreamInf = false
    } else if (pendingInf !== undefined) {
      if (!(limits.allowAbsoluteSegmentUris === true ? isValidSegmentUriOnAnyHost(line) : isValidSegmentUri(line))) refuse(`segment URI is not a relative segment name: ${JSON.stringify(line.slice(0, 80))}`)
      durations.push(pendingInf)
      gaps.push(pendingGap)
      pendingInf = undefined
      pendingGap = false
    } else {
      refuse(`line ${i + 1}: URI without EXTINF or EXT-X-STREAM-INF`)
    }
    uris.push(line)
    if (uris.length > Math.max(limits.maxSegments, limits.maxVariants)) refuse('too many entries')
  }
  if (isMaster && isMedia) refuse('playlist mixes master (EXT-X-STREAM-INF) and media (EXTINF) tags')
  if (pendingInf !== undefined || pendingStreamInf) refuse('playlist is truncated: last tag has no URI')
  if (isMaster) {
    if (uris.length === 0) refuse('master playlist lists no variants')
    if (uris.length > limits.maxVariants) refuse(`master playlist lists more than ${limits.maxVariants} variants`)
    return { kind: 'master', uris, durations, gaps }
  }
  if (targetDuration === undefined) refuse('media playlist has no EXT-X-TARGETDURATION')
  if (uris.length > limits.maxSegments) refuse(`media playlist lists more than ${limits.maxSegments} segments`)
  return { kind: 'media', uris, durations, gaps, targetDuration }
}

function checkStreamInf (attrs: string): void {
  const bw = /(?:^|,)BANDWIDTH=([^,]*)/.exec(attrs)?.[1]
  if (bw === undefined || !DECIMAL_INTEGER.test(bw) || Number(bw) < 1) refuse('EXT-X-STREAM-INF needs a positive integer BANDWIDTH')
  const avg = /(?:^|,)AVERAGE-BANDWIDTH=([^,]*)/.exec(attrs)?.[1]
  if (avg !== undefined && !DECIMAL_INTEGER.test(avg)) refuse('EXT-X-STREAM-INF AVERAGE-BANDWIDTH must be an integer')
  const res = /(?:^|,)RESOLUTION=([^,]*)/.exec(attrs)?.[1]
  if (res !== undefined && !/^\d{1,5}x\d{1,5}$/.test(res)) refuse('EXT-X-STREAM-INF RESOLUTION must be <width>x<height>')
  const fr = /(?:^|,)FRAME-RATE=([^,]*)/.exec(attrs)?.[1]
  if (fr !== undefined && (!DECIMAL_FLOAT.test(fr) || Number(fr) > 1000)) refuse('EXT-X-STREAM-INF FRAME-RATE must be a decimal up to 1000')
  const codecs = /(?:^|,)CODECS=("[^"]*"|[^,]*)/.exec(attrs)?.[1]
  if (codecs !== undefined && !/^"[A-Za-z0-9., -]{1,200}"$/.test(codecs)) refuse('EXT-X-STREAM-INF CODECS must be a quoted codec list')
}

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
    const seg = lexed.gaps[i] === true ? { ...plain, gap: true } : plain
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
    independentSegments: m.independentSegments === true
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
