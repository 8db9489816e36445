import t from 'tap'
import fc from 'fast-check'
import { scanPlaylist } from '../../../internal/hls/playlist-scanner.js'
import { parsePlaylist } from '../../../internal/hls/playlist-parser.js'
import { lastMsn, type MediaPlaylist, type Segment } from '../../../internal/hls/media-playlist.js'
import type { MasterPlaylist } from '../../../internal/hls/master-playlist.js'
import { serializeMasterPlaylist, serializeMediaPlaylist } from '../../../internal/hls/playlist-serializer.js'

// (moved from test/unit/packager/media-playlist-info.test.ts; the scanner now also counts trailing parts)
t.test('media playlist: sequence, count, last msn, target duration', async (t) => {
  const info = scanPlaylist([
    '#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:898000000',
    '#EXT-X-PROGRAM-DATE-TIME:2026-01-01T00:00:00.000Z', '#EXTINF:2.000,', 'seg_898000000.ts',
    '#EXT-X-DISCONTINUITY', '#EXTINF:2.000,', 'seg_898000001.ts', ''
  ].join('\r\n'))
  t.same(info, { isMaster: false, mediaSequence: 898000000, segmentCount: 2, lastMsn: 898000001, targetDurationS: 2, endList: false, partCount: 0 })
})

t.test('defaults, ENDLIST, master, junk', async (t) => {
  t.same(scanPlaylist('#EXTM3U\n#EXTINF:1,\na.ts\n#EXT-X-ENDLIST\n'), { isMaster: false, mediaSequence: 0, segmentCount: 1, lastMsn: 0, targetDurationS: undefined, endList: true, partCount: 0 })
  const master = scanPlaylist('#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=1\n360p/playlist.m3u8\n')
  t.equal(master.isMaster, true)
  t.equal(master.segmentCount, 0)
  const junk = scanPlaylist('#EXT-X-MEDIA-SEQUENCE:abc\n#EXT-X-TARGETDURATION:-3\n\u0000\n')
  t.equal(junk.mediaSequence, 0)
  t.equal(junk.targetDurationS, undefined)
  t.equal(scanPlaylist('').lastMsn, -1, 'empty playlist lists nothing')
})

t.test('values are read as a trimmed line would be; what is not a number is ignored', async (t) => {
  const scan = scanPlaylist('  #EXTM3U \n\t#EXT-X-TARGETDURATION: 4 \r\n#EXT-X-MEDIA-SEQUENCE:7\u00a0\n #EXTINF:4,\n  a.ts  \n #EXT-X-ENDLIST \n')
  t.same(scan, { isMaster: false, mediaSequence: 7, segmentCount: 1, lastMsn: 7, targetDurationS: 4, endList: true, partCount: 0 })
  t.equal(scanPlaylist('#EXT-X-TARGETDURATION:2.5\n').targetDurationS, 2.5)
  for (const bad of ['1e3', '0x10', '', '1.2.3', '+4', '-1', '.']) {
    t.equal(scanPlaylist(`#EXT-X-TARGETDURATION:${bad}\n`).targetDurationS, undefined, `target duration ${JSON.stringify(bad)}`)
    t.equal(scanPlaylist(`#EXT-X-MEDIA-SEQUENCE:5\n#EXT-X-MEDIA-SEQUENCE:${bad}\n`).mediaSequence, 5, `media sequence ${JSON.stringify(bad)}`)
  }
  t.equal(scanPlaylist('#EXT-X-MEDIA-SEQUENCE:1.5\n').mediaSequence, 0, 'a fraction is no sequence number')
  t.equal(scanPlaylist('#EXT-X-MEDIA-SEQUENCE:99999999999999999\n').mediaSequence, 0, 'beyond a safe integer')
  t.equal(scanPlaylist('#EXT-X-ENDLISTX\n').endList, false)
})

t.test('parts: counts EXT-X-PART after the last segment only', async (t) => {
  const text = [
    '#EXTM3U', '#EXT-X-TARGETDURATION:2', '#EXT-X-PART-INF:PART-TARGET=0.5', '#EXT-X-MEDIA-SEQUENCE:10',
    '#EXT-X-PART:DURATION=0.5,URI="10.0.m4s"', '#EXT-X-PART:DURATION=0.5,URI="10.1.m4s"', '#EXTINF:2,', '10.m4s',
    '#EXT-X-PART:DURATION=0.5,URI="11.0.m4s"', '#EXT-X-PART:DURATION=0.5,URI="11.1.m4s"', '#EXT-X-PART:DURATION=0.5,URI="11.2.m4s"',
    '#EXT-X-PRELOAD-HINT:TYPE=PART,URI="11.3.m4s"', ''
  ].join('\n')
  const scan = scanPlaylist(text)
  t.equal(scan.segmentCount, 1)
  t.equal(scan.lastMsn, 10)
  t.equal(scan.partCount, 3, 'the parts of MSN 11, not those of the listed 10; PART-INF is not a part')
})

// ---- agreement with the full parser over generated playlists ----

const segmentArb = (td: number): fc.Arbitrary<Omit<Segment, 'msn' | 'uri'>> => fc.record({
  duration: fc.integer({ min: 1, max: td * 1000 }).map((ms) => ms / 1000),
  discontinuity: fc.boolean(),
  programDateTimeMs: fc.option(fc.integer({ min: 1_500_000_000_000, max: 2_000_000_000_000 }), { nil: undefined }),
  gap: fc.option(fc.constant(true), { nil: undefined })
}).map((s) => Object.fromEntries(Object.entries(s).filter(([, v]) => v !== undefined)) as unknown as Omit<Segment, 'msn' | 'uri'>)

const mediaArb: fc.Arbitrary<MediaPlaylist> = fc.integer({ min: 1, max: 10 }).chain((td) => fc.record({
  version: fc.integer({ min: 3, max: 9 }),
  mediaSequence: fc.oneof(fc.integer({ min: 0, max: 1000 }), fc.integer({ min: 800_000_000, max: 2 ** 40 })),
  discontinuitySequence: fc.integer({ min: 0, max: 50 }),
  segments: fc.array(segmentArb(td), { maxLength: 30 }),
  endList: fc.boolean(),
  independentSegments: fc.boolean(),
  names: fc.constantFrom('msn', 'prefixed', 'nested')
}).map(({ segments, names, ...rest }) => ({
  kind: 'media' as const,
  targetDuration: td,
  ...rest,
  segments: segments.map((s, i) => {
    const msn = rest.mediaSequence + i
    const uri = names === 'msn' ? `${msn}.ts` : names === 'prefixed' ? `segment_${msn}.ts` : `720p/${msn}.m4s`
    return { ...s, msn, uri }
  })
})))

/** The same playlist with line endings, blank lines and comments a packager may add. */
const textArb = fc.tuple(mediaArb, fc.constantFrom('\n', '\r\n'), fc.boolean(), fc.boolean()).map(([p, eol, blanks, comments]) => {
  let lines = serializeMediaPlaylist(p).split('\n')
  if (comments) lines = lines.flatMap((l, i) => i > 0 && i % 3 === 0 ? ['# a comment', l] : [l])
  if (blanks) lines = lines.flatMap((l, i) => i % 4 === 1 ? ['', l] : [l])
  return { playlist: p, text: lines.join(eol) }
})

t.test('property: on every valid media playlist the scanner agrees with the full parser', async (t) => {
  let checked = 0
  fc.assert(fc.property(textArb, ({ playlist, text }) => {
    const parsed = parsePlaylist(text)
    if (!parsed.ok || parsed.playlist.kind !== 'media') throw new Error(`generator made an invalid playlist: ${parsed.ok ? 'master' : parsed.reason}`)
    const full = parsed.playlist
    const scan = scanPlaylist(text)
    const expected = {
      isMaster: false,
      mediaSequence: full.mediaSequence,
      segmentCount: full.segments.length,
      lastMsn: lastMsn(full),
      targetDurationS: full.targetDuration,
      endList: full.endList,
      partCount: 0
    }
    if (JSON.stringify(scan) !== JSON.stringify(expected)) throw new Error(`scan ${JSON.stringify(scan)} != parser ${JSON.stringify(expected)}`)
    if (full.mediaSequence !== playlist.mediaSequence || full.segments.length !== playlist.segments.length) throw new Error('round trip lost facts')
    checked++
  }), { seed: 8216, numRuns: 500 })
  t.equal(checked, 500, 'seeded, 500 generated playlists')
})

const masterArb: fc.Arbitrary<MasterPlaylist> = fc.array(fc.record({
  rendition: fc.constantFrom('360p', '720p', '1080p', 'audio'),
  bandwidth: fc.integer({ min: 1, max: 50_000_000 })
}), { minLength: 1, maxLength: 6 }).map((vs) => ({
  kind: 'master' as const,
  version: 3,
  independentSegments: true,
  variants: vs.map((v) => ({ uri: `${v.rendition}/playlist.m3u8`, bandwidth: v.bandwidth }))
}))

t.test('property: on every valid master playlist the scanner says master and counts no segments', async (t) => {
  fc.assert(fc.property(masterArb, (p) => {
    const text = serializeMasterPlaylist(p)
    const parsed = parsePlaylist(text)
    const scan = scanPlaylist(text)
    if (!parsed.ok || parsed.playlist.kind !== 'master') throw new Error('generator made an invalid master')
    if (!scan.isMaster || scan.segmentCount !== 0) throw new Error(`scan ${JSON.stringify(scan)}`)
  }), { seed: 8216, numRuns: 200 })
  t.pass('seeded, 200 generated masters')
})

t.test('property: the scanner never throws, whatever the text', async (t) => {
  fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 400 }), (text) => {
    const scan = scanPlaylist(text)
    if (scan.segmentCount < 0 || !Number.isSafeInteger(scan.lastMsn)) throw new Error(JSON.stringify(scan))
  }), { seed: 8216, numRuns: 1000 })
  t.pass('seeded, 1000 random texts')
})
