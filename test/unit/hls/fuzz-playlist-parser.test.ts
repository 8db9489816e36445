import t from 'tap'
import fc from 'fast-check'
import { DEFAULT_PARSE_LIMITS, parsePlaylist, type ParseLimits } from '../../../internal/hls/playlist-parser.js'
import { isValidSegmentUri, isValidVariantUri } from '../../../internal/hls/playlist-uri.js'

// Seeded and bounded: the same inputs every run, each property well under 20 s.
const SEED = 20240405
const LIMITS: ParseLimits = { ...DEFAULT_PARSE_LIMITS, maxBytes: 64 * 1024, maxSegments: 200, maxLineLength: 512 }

const MEDIA = [
  '#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:850000000',
  '#EXT-X-DISCONTINUITY-SEQUENCE:3', '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-PROGRAM-DATE-TIME:2024-04-05T14:23:44.000Z', '#EXTINF:2.000,', '850000000.ts',
  '#EXT-X-DISCONTINUITY', '#EXTINF:2.000,', '850000001.ts', '#EXTINF:1.960,', 'hi/850000002.ts', ''
].join('\n')
const MASTER = [
  '#EXTM3U', '#EXT-X-INDEPENDENT-SEGMENTS',
  '#EXT-X-STREAM-INF:BANDWIDTH=2800000,RESOLUTION=1280x720,CODECS="avc1.4d401f,mp4a.40.2"', '720p/playlist.m3u8',
  '#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360', '360p/playlist.m3u8', ''
].join('\n')

// pieces a hostile packager would reach for
const NASTY = [
  '#EXTM3U', '#EXTINF:', '#EXTINF:-1,', '#EXTINF:1e308,', '#EXTINF:NaN,', '#EXT-X-TARGETDURATION:0', '#EXT-X-TARGETDURATION:99999999999999999999',
  '#EXT-X-MEDIA-SEQUENCE:-5', '#EXT-X-MEDIA-SEQUENCE:9007199254740993', '#EXT-X-PROGRAM-DATE-TIME:not-a-date', '#EXT-X-PROGRAM-DATE-TIME:9999-99-99T99:99:99Z',
  '#EXT-X-STREAM-INF:BANDWIDTH=', '#EXT-X-STREAM-INF:BANDWIDTH=1,RESOLUTION=1x1', '#EXT-X-KEY:METHOD=AES-128,URI="http://evil/key"', '#EXT-X-MAP:URI="../init.mp4"',
  '#EXT-X-ENDLIST', '#EXT-X-DISCONTINUITY', '../../etc/passwd', 'http://169.254.169.254/latest/meta-data', '/abs/1.ts', '%2e%2e/1.ts', '..\\..\\1.ts',
  '1.ts\u0000', 'file:///etc/passwd', '\uFEFF#EXTM3U', '1.ts?x=1', 'a'.repeat(600) + '.ts', '#EXT-X-BYTERANGE:100@0', '#EXT-X-PART:DURATION=1,URI="p.ts"',
  '\r', '\t', '', '#EXTM3U\r\n#EXT-X-TARGETDURATION:2\r\n', '#EXT-X-VERSION:99', '#EXT-X-SKIP:SKIPPED-SEGMENTS=3'
]

type Mutation = { kind: 'insert', at: number, line: string } | { kind: 'delete', at: number } | { kind: 'replace', at: number, line: string } | { kind: 'char', at: number, ch: string } | { kind: 'dup', at: number }

const line = fc.oneof(fc.constantFrom(...NASTY), fc.string({ maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 }))
const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), line }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), line }),
  fc.record({ kind: fc.constant('char' as const), at: fc.nat(), ch: fc.string({ minLength: 1, maxLength: 2, unit: 'binary' }) }),
  fc.record({ kind: fc.constant('dup' as const), at: fc.nat() })
)

function mutate (text: string, mutations: readonly Mutation[]): string {
  let lines = text.split('\n')
  for (const m of mutations) {
    const at = lines.length === 0 ? 0 : m.at % lines.length
    switch (m.kind) {
      case 'insert': lines.splice(at, 0, m.line); break
      case 'delete': lines.splice(at, 1); break
      case 'replace': lines[at] = m.line; break
      case 'dup': lines = [...lines.slice(0, at + 1), ...lines.slice(at)]; break
      case 'char': {
        const joined = lines.join('\n')
        const pos = joined.length === 0 ? 0 : m.at % joined.length
        lines = (joined.slice(0, pos) + m.ch + joined.slice(pos + 1)).split('\n')
      }
    }
  }
  return lines.join('\n')
}

/** What "ok or a reason" means: no exception, a non-empty one-line reason, or a playlist inside the limits. */
function checkResult (text: string): void {
  const result = parsePlaylist(text, LIMITS)
  if (!result.ok) {
    if (typeof result.reason !== 'string' || result.reason === '' || result.reason.includes('\n')) throw new Error(`bad reason ${JSON.stringify(result.reason)}`)
    return
  }
  const p = result.playlist
  if (p.kind === 'media') {
    if (p.segments.length > LIMITS.maxSegments) throw new Error('over maxSegments')
    if (!(p.targetDuration >= 1 && p.targetDuration <= LIMITS.maxTargetDuration)) throw new Error(`target duration ${p.targetDuration}`)
    for (const s of p.segments) {
      if (!isValidSegmentUri(s.uri)) throw new Error(`accepted segment URI ${JSON.stringify(s.uri)}`)
      if (!Number.isFinite(s.duration) || s.duration < 0) throw new Error(`duration ${s.duration}`)
      if (!Number.isSafeInteger(s.msn)) throw new Error(`msn ${s.msn}`)
      if (s.programDateTimeMs !== undefined && !Number.isFinite(s.programDateTimeMs)) throw new Error('pdt')
    }
  } else {
    if (p.variants.length > LIMITS.maxVariants) throw new Error('over maxVariants')
    for (const v of p.variants) if (!isValidVariantUri(v.uri)) throw new Error(`accepted variant URI ${JSON.stringify(v.uri)}`)
  }
}

t.test('the parser never throws on random text; results are ok within limits or carry a reason', async (t) => {
  const prop = fc.property(fc.oneof(
    fc.string({ maxLength: 2000 }),
    fc.string({ unit: 'binary', maxLength: 2000 }),
    fc.array(line, { maxLength: 60 }).map((ls) => ls.join('\n')),
    fc.array(line, { maxLength: 60 }).map((ls) => ['#EXTM3U', ...ls].join('\n'))
  ), (text) => { checkResult(text) })
  t.doesNotThrow(() => { fc.assert(prop, { seed: SEED, numRuns: 3000 }) }, '3000 random inputs')
})

t.test('mutated real playlists (media and master): never a throw, never a URI the limits forbid', async (t) => {
  const prop = fc.property(fc.constantFrom(MEDIA, MASTER), fc.array(mutation, { minLength: 1, maxLength: 8 }), (base, mutations) => {
    checkResult(mutate(base, mutations))
  })
  t.doesNotThrow(() => { fc.assert(prop, { seed: SEED + 1, numRuns: 4000 }) }, '4000 mutated playlists')
  t.ok(parsePlaylist(MEDIA, LIMITS).ok && parsePlaylist(MASTER, LIMITS).ok, 'the unmutated bases parse')
})

t.test('big inputs are refused by the limits rather than parsed', async (t) => {
  const many = ['#EXTM3U', '#EXT-X-TARGETDURATION:2', ...Array.from({ length: 300 }, (_, i) => `#EXTINF:2,\n${i}.ts`)].join('\n')
  t.match(parsePlaylist(many, LIMITS), { ok: false, reason: /more than 200 segments|too many entries/ })
  t.match(parsePlaylist('#EXTM3U\n' + '#'.repeat(70 * 1024), LIMITS), { ok: false, reason: /larger than|longer than/ })
})
