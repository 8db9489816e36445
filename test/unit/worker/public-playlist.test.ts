import t from 'tap'
import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { rewritePrivatePlaylist } from '../../../internal/worker/public-playlist.js'
import { writeFileAtomic } from '../../../internal/worker/atomic-write.js'

const PRIVATE = `#EXTM3U
#EXT-X-VERSION:6
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:850000001
#EXT-X-INDEPENDENT-SEGMENTS
#EXTINF:2.000000,
850000001.ts
#EXTINF:2.000000,
850000002.ts
#EXTINF:2.000000,
850000003.ts
`

t.test('every segment gets its exact PDT, and the header is rebuilt', async (t) => {
  const r = rewritePrivatePlaylist(PRIVATE, 2)
  if (!r.ok) throw new Error(r.reason)
  // written by hls/'s serializer: its header order, an explicit DISCONTINUITY-SEQUENCE:0 and
  // EXTINF at fixed precision are the only differences from the worker's old hand-written text
  // (test/unit/worker/playlist-writing.test.ts shows both parse to the same playlist)
  t.equal(r.text, `#EXTM3U
#EXT-X-VERSION:3
#EXT-X-INDEPENDENT-SEGMENTS
#EXT-X-TARGETDURATION:2
#EXT-X-MEDIA-SEQUENCE:850000001
#EXT-X-DISCONTINUITY-SEQUENCE:0
#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:22.000Z
#EXTINF:2.000,
850000001.ts
#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:24.000Z
#EXTINF:2.000,
850000002.ts
#EXT-X-PROGRAM-DATE-TIME:2023-11-14T22:13:26.000Z
#EXTINF:2.000,
850000003.ts
`)
  t.equal(r.firstMsn, 850_000_001)
  t.equal(r.lastMsn, 850_000_003)
  t.equal(r.segments, 3)
})

t.test('media sequence comes from the names, not from what ffmpeg wrote', async (t) => {
  const r = rewritePrivatePlaylist(PRIVATE.replace('MEDIA-SEQUENCE:850000001', 'MEDIA-SEQUENCE:0'), 2)
  t.ok(r.ok)
  if (r.ok) t.match(r.text, /#EXT-X-MEDIA-SEQUENCE:850000001\n/)
})

t.test('ENDLIST is dropped and a long segment raises the target duration', async (t) => {
  const text = PRIVATE.replace('#EXTINF:2.000000,\n850000003.ts', '#EXTINF:2.600000,\n850000003.ts') + '#EXT-X-ENDLIST\n'
  const r = rewritePrivatePlaylist(text, 2)
  if (!r.ok) throw new Error(r.reason)
  t.notMatch(r.text, /ENDLIST/)
  t.match(r.text, /#EXT-X-TARGETDURATION:3\n/)
  t.match(r.text, /#EXTINF:2\.600,\n850000003\.ts/)
})

t.test('PDT uses the segment duration: SEG=6 puts msn 1 at 6 s', async (t) => {
  const r = rewritePrivatePlaylist('#EXTM3U\n#EXTINF:6.000000,\n1.ts\n#EXTINF:6.000000,\n2.ts\n', 6)
  if (!r.ok) throw new Error(r.reason)
  t.match(r.text, /PROGRAM-DATE-TIME:1970-01-01T00:00:06\.000Z\n#EXTINF:6\.000,\n1\.ts\n#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:12\.000Z/)
  t.match(r.text, /TARGETDURATION:6\n/)
})

t.test('a discontinuity ffmpeg wrote is kept on its segment', async (t) => {
  const r = rewritePrivatePlaylist('#EXTM3U\n#EXTINF:2.0,\n10.ts\n#EXT-X-DISCONTINUITY\n#EXTINF:2.0,\n11.ts\n', 2)
  if (!r.ok) throw new Error(r.reason)
  t.match(r.text, /10\.ts\n#EXT-X-DISCONTINUITY\n#EXT-X-PROGRAM-DATE-TIME:1970-01-01T00:00:22\.000Z\n#EXTINF:2\.000,\n11\.ts/)
})

t.test('bad private playlists are reported as data, not thrown', async (t) => {
  t.same(rewritePrivatePlaylist('', 2), { ok: false, reason: 'missing #EXTM3U' })
  t.same(rewritePrivatePlaylist('#EXTM3U\n#EXT-X-TARGETDURATION:2\n', 2), { ok: false, reason: 'no segments yet' })
  t.match(rewritePrivatePlaylist('#EXTM3U\n#EXTINF:2,\nseg-1.ts\n', 2), { ok: false, reason: /not named <msn>\.ts/ })
  t.match(rewritePrivatePlaylist('#EXTM3U\n#EXTINF:2,\n1.ts\n#EXTINF:2,\n3.ts\n', 2), { ok: false, reason: /3 does not follow 1/ })
  t.match(rewritePrivatePlaylist('#EXTM3U\n1.ts\n', 2), { ok: false, reason: /without EXTINF/ })
  t.match(rewritePrivatePlaylist('#EXTM3U\n#EXTINF:abc,\n1.ts\n', 2), { ok: false, reason: /bad EXTINF/ })
  t.match(rewritePrivatePlaylist('#EXTM3U\n#EXTINF:2,\n../1.ts\n', 2), { ok: false })
})

t.test('atomic write replaces the file and leaves no temporary behind', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'atomic-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const path = join(dir, 'playlist.m3u8')
  await writeFileAtomic(path, 'one\n')
  await writeFileAtomic(path, 'two\n')
  t.equal(await readFile(path, 'utf8'), 'two\n')
  t.same(await readdir(dir), ['playlist.m3u8'])
  await t.rejects(writeFileAtomic(join(dir, 'missing', 'p.m3u8'), 'x'), { code: 'ENOENT' })
  t.same(await readdir(dir), ['playlist.m3u8'])
})
