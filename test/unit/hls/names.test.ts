import t from 'tap'
import { isValidName, contentTypeFor } from '../../../internal/hls/names.js'

t.test('names: good ones pass, hostile ones fail', async (t) => {
  const cases: Array<[Parameters<typeof isValidName>[0], string, boolean]> = [
    ['signal', 'live01', true],
    ['signal', 'a'.repeat(64), true],
    ['signal', 'a'.repeat(65), false],
    ['signal', '..', false],
    ['signal', '.hidden', false],
    ['signal', 'a/b', false],
    ['signal', '%2e%2e', false],
    ['signal', 'live\u000001', false],
    ['rendition', '720p', true],
    ['playlist', 'playlist.m3u8', true],
    ['playlist', '../playlist.m3u8', false],
    ['segment', '884512345.ts', true],
    ['segment', 'seg_1.m4s', true],
    ['segment', 'a..ts', false],
    ['segment', 'passwd', false],
    ['segment', 'x.ts\u0000.m3u8', false]
  ]
  for (const [kind, name, ok] of cases) t.equal(isValidName(kind, name), ok, `${kind} ${JSON.stringify(name)}`)
})

t.test('content types follow the HLS spec', async (t) => {
  t.equal(contentTypeFor('playlist.m3u8'), 'application/vnd.apple.mpegurl')
  t.equal(contentTypeFor('1.ts'), 'video/mp2t')
  t.equal(contentTypeFor('x.bin'), 'application/octet-stream')
})
