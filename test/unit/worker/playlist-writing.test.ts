import t from 'tap'
import fc from 'fast-check'
import { mkdtemp, readFile, rm, writeFile, readdir } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pino } from 'pino'
import { parseMasterPlaylist, parseMediaPlaylist } from '../../../internal/hls/playlist-parser.js'
import { serializeMediaPlaylist } from '../../../internal/hls/playlist-serializer.js'
import { scanPlaylist } from '../../../internal/hls/playlist-scanner.js'
import { rewritePrivatePlaylist } from '../../../internal/worker/public-playlist.js'
import { buildMasterPlaylist, masterPlaylistFor } from '../../../internal/worker/master-playlist.js'
import { programDateTime } from '../../../internal/worker/epoch-clock.js'
import { parseLadder, DEFAULT_LADDER } from '../../../internal/streams/ladder.js'
import { PlaylistPublisher } from '../../../internal/worker/playlist-publisher.js'
import { PRIVATE_PLAYLIST, PUBLIC_PLAYLIST } from '../../../internal/worker/ffmpeg-args.js'
import { waitFor } from '../../support/wait-for.js'

// The worker writes playlists through hls/'s model and serializer. These tests hold it to what it
// wrote before by hand: the same playlist for every parser we have, byte-identical for equal input.

interface PrivateSegment { msn: number, duration: string, discontinuity: boolean }

/** The public playlist as the worker wrote it by string concatenation before hls/ (kept as the reference). */
function handWrittenPublic (segments: readonly PrivateSegment[], segmentSeconds: number): string {
  const first = segments[0] as PrivateSegment
  const targetDuration = Math.max(segmentSeconds, ...segments.map((s) => Math.round(Number(s.duration))))
  const out = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${targetDuration}`, `#EXT-X-MEDIA-SEQUENCE:${first.msn}`, '#EXT-X-INDEPENDENT-SEGMENTS']
  for (const s of segments) {
    if (s.discontinuity) out.push('#EXT-X-DISCONTINUITY')
    out.push(`#EXT-X-PROGRAM-DATE-TIME:${programDateTime(s.msn, segmentSeconds)}`, `#EXTINF:${s.duration},`, `${s.msn}.ts`)
  }
  return out.join('\n') + '\n'
}

/** What ffmpeg writes: its own header (often a wrong MEDIA-SEQUENCE), 6-decimal EXTINF, maybe ENDLIST. */
function ffmpegPrivate (segments: readonly PrivateSegment[], endList: boolean, eol: string): string {
  const out = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:9', '#EXT-X-MEDIA-SEQUENCE:0', '#EXT-X-INDEPENDENT-SEGMENTS']
  for (const s of segments) {
    if (s.discontinuity) out.push('#EXT-X-DISCONTINUITY')
    out.push(`#EXTINF:${s.duration},`, `${s.msn}.ts`)
  }
  if (endList) out.push('#EXT-X-ENDLIST')
  return out.join(eol) + eol
}

const privateArb = fc.record({
  segmentSeconds: fc.integer({ min: 1, max: 10 }),
  firstMsn: fc.oneof(fc.integer({ min: 0, max: 100 }), fc.integer({ min: 170_000_000, max: 2_000_000_000 })),
  // ffmpeg's EXTINF: up to 6 decimals; a segment may run long (a late keyframe)
  durations: fc.array(fc.tuple(fc.integer({ min: 1, max: 12_000_000 }), fc.constantFrom(6, 3, 1)), { minLength: 1, maxLength: 12 }),
  discontinuities: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
  endList: fc.boolean(),
  eol: fc.constantFrom('\n', '\r\n')
}).map((g) => ({
  ...g,
  segments: g.durations.map(([micros, places], i): PrivateSegment => ({
    msn: g.firstMsn + i,
    duration: (Math.max(1, Math.round(micros / 10 ** (6 - places))) / 10 ** places).toFixed(places),
    discontinuity: i > 0 && g.discontinuities[i] === true
  }))
}))

t.test('property: the serialized public playlist is the hand-written one for every parser', async (t) => {
  let checked = 0
  fc.assert(fc.property(privateArb, ({ segments, segmentSeconds, endList, eol }) => {
    const result = rewritePrivatePlaylist(ffmpegPrivate(segments, endList, eol), segmentSeconds)
    if (!result.ok) throw new Error(result.reason)
    const before = handWrittenPublic(segments, segmentSeconds)
    const now = parseMediaPlaylist(result.text)
    const then = parseMediaPlaylist(before)
    if (!now.ok || !then.ok) throw new Error(`refused: ${now.ok ? '' : now.reason} ${then.ok ? '' : then.reason}`)
    if (JSON.stringify(now.playlist) !== JSON.stringify(then.playlist)) throw new Error(`differ:\n${result.text}\n${before}`)
    if (JSON.stringify(now.playlist) !== JSON.stringify(result.playlist)) throw new Error('the text is not the model it came from')
    if (JSON.stringify(scanPlaylist(result.text)) !== JSON.stringify(scanPlaylist(before))) throw new Error('the packager scanner reads them differently')
    if (serializeMediaPlaylist(result.playlist) !== result.text) throw new Error('not deterministic')
    checked++
  }), { seed: 8216, numRuns: 300 })
  t.equal(checked, 300, 'seeded, 300 generated private playlists')
})

t.test('the public playlist is the model: exact PDTs on the epoch grid, no ENDLIST, target duration covers every segment', async (t) => {
  const r = rewritePrivatePlaylist('#EXTM3U\n#EXTINF:2.000000,\n850000001.ts\n#EXTINF:2.600000,\n850000002.ts\n#EXT-X-ENDLIST\n', 2)
  if (!r.ok) throw new Error(r.reason)
  t.same(r.playlist, {
    kind: 'media',
    version: 3,
    targetDuration: 3,
    mediaSequence: 850_000_001,
    discontinuitySequence: 0,
    segments: [
      { msn: 850_000_001, uri: '850000001.ts', duration: 2, discontinuity: false, programDateTimeMs: 1_700_000_002_000 },
      { msn: 850_000_002, uri: '850000002.ts', duration: 2.6, discontinuity: false, programDateTimeMs: 1_700_000_004_000 }
    ],
    endList: false,
    independentSegments: true
  })
})

t.test('the master playlist: same model for the strict parser as the hand-written one', async (t) => {
  const options = { ladder: parseLadder(DEFAULT_LADDER), frameRate: 25, preset: 'veryfast' }
  const text = buildMasterPlaylist(options)
  const parsed = parseMasterPlaylist(text)
  if (!parsed.ok) throw new Error(parsed.reason)
  t.same(parsed.playlist, masterPlaylistFor(options), 'parses back to the model the worker built')
  t.equal(parsed.playlist.variants.length, parseLadder(DEFAULT_LADDER).length)
  t.ok(parsed.playlist.variants.every((v, i, all) => i === 0 || (all[i - 1]?.bandwidth ?? 0) >= v.bandwidth), 'highest first')
  t.equal(scanPlaylist(text).isMaster, true)
})

t.test('the publisher writes the serialized playlist to disk and removes leftovers of an earlier run', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'publisher-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const privateText = '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:0\n#EXTINF:2.000000,\n100.ts\n#EXTINF:2.000000,\n101.ts\n#EXTINF:1.966667,\n102.ts\n'
  for (const name of ['90.ts', '99.ts', '100.ts', '101.ts', '102.ts']) await writeFile(join(dir, name), 'x')
  await writeFile(join(dir, PRIVATE_PLAYLIST), privateText)
  const published: Array<{ firstMsn: number, lastMsn: number }> = []
  const publisher = new PlaylistPublisher({
    targets: [{ rendition: '360p', dir }], segmentSeconds: 2, keepBehind: 5, log: pino({ level: 'silent' }), pollMs: 50,
    onPublished: (info) => { published.push(info) }
  })
  publisher.start()
  t.teardown(async () => { await publisher.close() })
  const text = await waitFor('the public playlist', async () => await readFile(join(dir, PUBLIC_PLAYLIST), 'utf8').catch(() => undefined), { timeoutMs: 20_000, intervalMs: 20 })
  const expected = rewritePrivatePlaylist(privateText, 2)
  if (!expected.ok) throw new Error(expected.reason)
  t.equal(text, expected.text, 'the bytes on disk are the serializer\'s')
  t.match(text, /#EXTINF:1\.966667,\n102\.ts\n$/, 'ffmpeg\'s precision is kept')
  await waitFor('leftovers removed', async () => !(await readdir(dir)).includes('90.ts') || undefined, { timeoutMs: 20_000, intervalMs: 20 })
  t.same((await readdir(dir)).filter((n) => n.endsWith('.ts')).sort(), ['100.ts', '101.ts', '102.ts', '99.ts'], 'only what is more than keepBehind behind the window goes')
  t.same(published[0], { rendition: '360p', firstMsn: 100, lastMsn: 102 })
})

t.test('the publisher lists caught-up segments after the last one published, never before it', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'publisher-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const segment = (msn: number): { msn: number, uri: string, duration: number, discontinuity: boolean } => ({ msn, uri: `${msn}.ts`, duration: 2, discontinuity: false })
  await writeFile(join(dir, PRIVATE_PLAYLIST), '#EXTM3U\n#EXTINF:2.000000,\n100.ts\n#EXTINF:2.000000,\n101.ts\n')
  const publisher = new PlaylistPublisher({ targets: [{ rendition: '360p', dir }], segmentSeconds: 2, keepBehind: 5, log: pino({ level: 'silent' }), pollMs: 50 })
  publisher.start()
  t.teardown(async () => { await publisher.close() })
  const listed = async (): Promise<string> => await readFile(join(dir, PUBLIC_PLAYLIST), 'utf8').catch(() => '')
  await waitFor('the dead run\'s window published', async () => (await listed()).includes('101.ts') || undefined, { timeoutMs: 20_000, intervalMs: 20 })
  t.equal(publisher.newestPublishedByAll(), 101, 'the newest MSN every rendition published')
  t.equal(publisher.addCatchUp('360p', [segment(101), segment(102)]), 1, 'of 101 and 102, only 102 follows what is published')
  await waitFor('102 appended', async () => (await listed()).endsWith('102.ts\n') || undefined, { timeoutMs: 20_000, intervalMs: 20 })
  // the restarted run writes its own window: 103 follows the caught-up 102
  await writeFile(join(dir, PRIVATE_PLAYLIST), '#EXTM3U\n#EXTINF:2.000000,\n103.ts\n')
  const text = await waitFor('the restarted run published', async () => { const s = await listed(); return s.includes('103.ts') ? s : undefined }, { timeoutMs: 20_000, intervalMs: 20 })
  t.match(text, /#EXT-X-MEDIA-SEQUENCE:102\n/, 'the window starts at the caught-up segment')
  t.equal(publisher.addCatchUp('360p', [segment(102)]), 0, 'too late once the restarted run is published: a playlist never inserts into its past')
  t.equal(publisher.addCatchUp('1080p', [segment(104)]), 0, 'an unknown rendition takes nothing')
})
