import { parseAttributeList } from './attribute-list.js'
import type { Part } from './media-playlist.js'
import type { ParseLimits } from './playlist-parser.js'
import { isValidSegmentUri, isValidSegmentUriOnAnyHost, isValidVariantUri, isValidVariantUriOnAnyHost } from './playlist-uri.js'

// The strict line-level pass of playlist-parser.ts: every value m3u8-parser would read is checked
// here first, against RFC 8216bis 4, and what m3u8-parser does not read (GAP, parts) is read here.

const DECIMAL_INTEGER = /^\d{1,16}$/
const DECIMAL_FLOAT = /^\d{1,10}(?:\.\d{1,12})?$/
const ISO_DATE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,9})?(?:Z|[+-]\d{2}:?\d{2})$/
// Features the origin cannot stitch or rewrite safely; a packager using them is refused, not half-served.
// EXT-X-SKIP too: the origin asks its packagers for whole playlists, never for delta updates.
const UNSUPPORTED = new Set(['#EXT-X-KEY', '#EXT-X-BYTERANGE', '#EXT-X-DEFINE', '#EXT-X-SKIP'])
const CMAF_TAGS = new Set(['#EXT-X-MAP', '#EXT-X-PART', '#EXT-X-PART-INF', '#EXT-X-PRELOAD-HINT'])
const MASTER_TAGS = new Set(['#EXT-X-STREAM-INF', '#EXT-X-MEDIA', '#EXT-X-I-FRAME-STREAM-INF', '#EXT-X-SESSION-DATA'])
const MEDIA_TAGS = new Set(['#EXTINF', '#EXT-X-TARGETDURATION', '#EXT-X-MEDIA-SEQUENCE', '#EXT-X-DISCONTINUITY',
  '#EXT-X-DISCONTINUITY-SEQUENCE', '#EXT-X-PROGRAM-DATE-TIME', '#EXT-X-ENDLIST', '#EXT-X-GAP'])

export interface Lexed {
  readonly kind: 'media' | 'master'
  readonly uris: string[]
  readonly durations: number[]
  /** Per segment: EXT-X-GAP stood before its URI (m3u8-parser 7 does not read the tag). */
  readonly gaps: boolean[]
  readonly targetDuration?: number
  /** Per segment: the EXT-X-MAP URI in force. */
  readonly maps: Array<string | undefined>
  /** Per segment: its EXT-X-PART tags; then the parts after the last segment. */
  readonly parts: Part[][]
  readonly trailingParts: Part[]
  readonly partTarget?: number
  readonly preloadHint?: string
}

export class Refusal extends Error {}
export function refuse (reason: string): never { throw new Refusal(reason) }

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
export function lex (text: string, limits: ParseLimits): Lexed {
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
  const maps: Array<string | undefined> = []
  const parts: Part[][] = []
  let pendingParts: Part[] = []
  let map: string | undefined
  let partTarget: number | undefined
  let preloadHint: string | undefined
  const segmentUri = (uri: string, what: string): string => {
    if (!(limits.allowAbsoluteSegmentUris === true ? isValidSegmentUriOnAnyHost(uri) : isValidSegmentUri(uri))) refuse(`${what} URI is not a relative segment name: ${JSON.stringify(uri.slice(0, 80))}`)
    return uri
  }
  for (let i = 1; i < lines.length; i++) {
    const line = (lines[i] ?? '').trim()
    if (line.length > limits.maxLineLength) refuse(`line ${i + 1} is longer than ${limits.maxLineLength} characters`)
    if (line === '') continue
    if (line.startsWith('#')) {
      if (!line.startsWith('#EXT')) continue
      const tag = line.split(':', 1)[0] ?? ''
      if (UNSUPPORTED.has(tag) && !(tag === '#EXT-X-KEY' && /METHOD=NONE(?:,|$)/.test(line))) refuse(`unsupported tag ${tag}`)
      if (CMAF_TAGS.has(tag) && limits.cmaf !== true) refuse(`unsupported tag ${tag} (a CMAF source, which this reader does not take)`)
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
      } else if (tag === '#EXT-X-MAP') {
        const a = attributes(line, tag)
        if (a.has('BYTERANGE')) refuse('EXT-X-MAP with BYTERANGE is not supported')
        map = segmentUri(a.get('URI') ?? refuse('EXT-X-MAP has no URI'), 'EXT-X-MAP')
        isMedia = true
      } else if (tag === '#EXT-X-PART') {
        const a = attributes(line, tag)
        if (a.has('BYTERANGE')) refuse('EXT-X-PART with BYTERANGE is not supported')
        if (a.get('GAP') === 'YES') refuse('EXT-X-PART with GAP=YES is not supported')
        const duration = Number(a.get('DURATION') ?? 'x')
        if (!DECIMAL_FLOAT.test(a.get('DURATION') ?? '') || !(duration > 0)) refuse('EXT-X-PART needs a positive DURATION')
        pendingParts.push({ uri: segmentUri(a.get('URI') ?? refuse('EXT-X-PART has no URI'), 'EXT-X-PART'), duration, independent: a.get('INDEPENDENT') === 'YES' })
        if (pendingParts.length > 1000) refuse('more than 1000 parts in one segment')
        isMedia = true
      } else if (tag === '#EXT-X-PART-INF') {
        const v = attributes(line, tag).get('PART-TARGET') ?? ''
        if (!DECIMAL_FLOAT.test(v) || !(Number(v) > 0)) refuse('EXT-X-PART-INF needs a positive PART-TARGET')
        partTarget = Number(v)
      } else if (tag === '#EXT-X-PRELOAD-HINT') {
        const a = attributes(line, tag)
        if (a.has('BYTERANGE-START') || a.has('BYTERANGE-LENGTH')) refuse('EXT-X-PRELOAD-HINT with a byte range is not supported')
        // a hinted map is a client's optimisation the origin does not need
        if (a.get('TYPE') === 'PART') preloadHint = segmentUri(a.get('URI') ?? refuse('EXT-X-PRELOAD-HINT has no URI'), 'EXT-X-PRELOAD-HINT')
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
      maps.push(map)
      parts.push(pendingParts)
      pendingParts = []
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
    return { kind: 'master', uris, durations, gaps, maps, parts, trailingParts: [] }
  }
  if (targetDuration === undefined) refuse('media playlist has no EXT-X-TARGETDURATION')
  if (uris.length > limits.maxSegments) refuse(`media playlist lists more than ${limits.maxSegments} segments`)
  const ll = { maps, parts, trailingParts: pendingParts, ...(partTarget === undefined ? {} : { partTarget }), ...(preloadHint === undefined ? {} : { preloadHint }) }
  if (partTarget === undefined && (pendingParts.length > 0 || parts.some((p) => p.length > 0))) refuse('EXT-X-PART without EXT-X-PART-INF')
  return { kind: 'media', uris, durations, gaps, targetDuration, ...ll }
}

function attributes (line: string, tag: string): Map<string, string> {
  return parseAttributeList(tagValue(line).trim()) ?? refuse(`${tag} has a malformed attribute list`)
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

