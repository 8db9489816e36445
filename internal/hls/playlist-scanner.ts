/** The few facts a blocking playlist reload needs, read without parsing the playlist. */
export interface PlaylistScan {
  readonly isMaster: boolean
  readonly mediaSequence: number
  readonly segmentCount: number
  /** Media sequence number of the last listed segment; mediaSequence - 1 when none is listed. */
  readonly lastMsn: number
  readonly targetDurationS: number | undefined
  readonly endList: boolean
  /** EXT-X-PART tags after the last segment: the parts of the segment still being written (LL-HLS). */
  readonly partCount: number
}

const MEDIA_SEQUENCE = '#EXT-X-MEDIA-SEQUENCE:'
const TARGET_DURATION = '#EXT-X-TARGETDURATION:'
const STREAM_INF = '#EXT-X-STREAM-INF:'
const PART = '#EXT-X-PART:'
const END_LIST = '#EXT-X-ENDLIST'
const EXT_X = '#EXT-X-'
const HASH = 35
const CHAR_M = 77
const CHAR_T = 84
const CHAR_P = 80
const CHAR_S = 83
const CHAR_E = 69
const NEWLINE = 10
const DIGIT_0 = 48
const DOT = 46

// The characters String.prototype.trim removes, so lines are judged as a trimmed line would be.
function isTrimmed (c: number): boolean {
  return c === 32 || (c >= 9 && c <= 13) || c === 0xA0 || c === 0xFEFF || c === 0x1680 || (c >= 0x2000 && c <= 0x200A) ||
    c === 0x2028 || c === 0x2029 || c === 0x202F || c === 0x205F || c === 0x3000
}

// charCodeAt by hand: String#startsWith with a position costs several times more per line in V8
function hasPrefixAt (text: string, from: number, prefix: string): boolean {
  if (from + prefix.length > text.length) return false
  for (let i = 0; i < prefix.length; i++) if (text.charCodeAt(from + i) !== prefix.charCodeAt(i)) return false
  return true
}

/** A decimal number in text[from, to), or NaN: digits with an optional fraction after any blanks. */
function decimalAt (text: string, from: number, to: number): number {
  while (from < to && isTrimmed(text.charCodeAt(from))) from++
  let value = 0
  let scale = 0
  let digits = 0
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i)
    if (c === DOT && scale === 0) { scale = 1; continue }
    const d = c - DIGIT_0
    if (d < 0 || d > 9) return NaN
    digits++
    if (scale === 0) value = value * 10 + d
    else value += d / (scale *= 10)
  }
  return digits === 0 ? NaN : value
}

/**
 * A scanner rather than a parser: it walks the text once by index (no split, no per-line strings),
 * counts segment URIs and reads three tags, so the packager can run it on every playlist change
 * and every blocking reload at no cost. It never throws on junk: what it cannot read it ignores.
 * The strict reader is playlist-parser.ts; on a valid media playlist both agree.
 */
export function scanPlaylist (text: string): PlaylistScan {
  let isMaster = false
  let mediaSequence = 0
  let segmentCount = 0
  let targetDurationS: number | undefined
  let endList = false
  let partCount = 0
  let lineStart = 0
  while (lineStart <= text.length) {
    let lineEnd = text.indexOf('\n', lineStart)
    if (lineEnd === -1) lineEnd = text.length
    let from = lineStart
    let to = lineEnd
    while (from < to && isTrimmed(text.charCodeAt(from))) from++
    while (to > from && isTrimmed(text.charCodeAt(to - 1))) to--
    lineStart = lineEnd + 1
    if (from === to) continue
    if (text.charCodeAt(from) !== HASH) {
      segmentCount++
      partCount = 0
      continue
    }
    // EXTINF, PROGRAM-DATE-TIME and comments are most lines: one char past "#EXT-X-" tells the rest apart
    if (to - from < EXT_X.length + 2 || !hasPrefixAt(text, from, EXT_X)) continue
    const key = text.charCodeAt(from + EXT_X.length)
    if (key === CHAR_M && hasPrefixAt(text, from, MEDIA_SEQUENCE)) {
      const n = decimalAt(text, from + MEDIA_SEQUENCE.length, to)
      if (Number.isSafeInteger(n) && n >= 0) mediaSequence = n
    } else if (key === CHAR_T && hasPrefixAt(text, from, TARGET_DURATION)) {
      const n = decimalAt(text, from + TARGET_DURATION.length, to)
      if (Number.isFinite(n) && n > 0) targetDurationS = n
    } else if (key === CHAR_P && hasPrefixAt(text, from, PART)) {
      partCount++
    } else if (key === CHAR_S && hasPrefixAt(text, from, STREAM_INF)) {
      isMaster = true
    } else if (key === CHAR_E && to - from === END_LIST.length && hasPrefixAt(text, from, END_LIST)) {
      endList = true
    }
  }
  // a master playlist's URIs are variant streams, not segments
  if (isMaster) segmentCount = 0
  return { isMaster, mediaSequence, segmentCount, lastMsn: mediaSequence + segmentCount - 1, targetDurationS, endList, partCount }
}
