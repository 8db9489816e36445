import t from 'tap'
import { isRefusal, resolveRequestTarget } from '../../../internal/packager/request-target.js'

t.test('valid names map to root-relative keys', async (t) => {
  t.same(resolveRequestTarget('live01', undefined, 'playlist.m3u8'), { kind: 'playlist', key: 'live01/playlist.m3u8' })
  t.same(resolveRequestTarget('live01', '720p', 'playlist.m3u8'), { kind: 'playlist', key: 'live01/720p/playlist.m3u8' })
  t.same(resolveRequestTarget('live01', '720p', 'seg_1712345678.ts'), { kind: 'segment', key: 'live01/720p/seg_1712345678.ts' })
  t.same(resolveRequestTarget('live01', undefined, 'seg_1.m4s'), { kind: 'segment', key: 'live01/seg_1.m4s' })
})

t.test('every part is checked; the refused part is named', async (t) => {
  const refused = (s: string, r: string | undefined, f: string): string | undefined => {
    const target = resolveRequestTarget(s, r, f)
    return isRefusal(target) ? target.refused : undefined
  }
  t.equal(refused('..', undefined, 'secret.ts'), 'signal')
  t.equal(refused('live01', '..', 'secret.ts'), 'rendition')
  t.equal(refused('live01', '720p', '../x.ts'), 'segment')
  t.equal(refused('live01', '720p', '..ts'), 'segment')
  t.equal(refused('live01', '720p', 'a..b.ts'), 'segment')
  t.equal(refused('live01', '720p', '/etc/passwd'), 'segment')
  t.equal(refused('live01', '720p', 'x.ts\u0000'), 'segment')
  t.equal(refused('live01', '720p', '..\\x.ts'), 'segment')
  t.equal(refused('live01', '720p', '%2e%2e.ts'), 'segment')
  t.equal(refused('live01', '720p', '../p.m3u8'), 'playlist')
  t.equal(refused('live01', '720p', 'p.q.m3u8'), 'playlist')
  t.equal(refused('live01', '720p', 'x.sh'), 'segment')
  t.equal(refused('a'.repeat(65), undefined, 'p.m3u8'), 'signal')
  t.equal(refused('live01', undefined, `${'a'.repeat(200)}.ts`), 'segment')
  t.equal(refused('live01', '', 'p.m3u8'), 'rendition')
})
