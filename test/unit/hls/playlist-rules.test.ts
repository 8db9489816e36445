import t from 'tap'
import { checkPlaylistUpdate, checkPlaylistSequence, recordPlaylist, EMPTY_HISTORY } from '../../../internal/hls/playlist-rules.js'
import type { MediaPlaylist } from '../../../internal/hls/media-playlist.js'
import { mediaPlaylist } from '../../support/timeline-fixtures.js'

const P = (first: number, count: number, extra: Partial<MediaPlaylist> = {}, disc: number[] = []): MediaPlaylist =>
  ({ ...mediaPlaylist({ first, count, pdtOfFirst: first * 2000, discontinuityAt: disc }), ...extra })

function rulesOf (versions: MediaPlaylist[]): string[] {
  return checkPlaylistSequence(versions).map((v) => v.rule)
}

t.test('a clean sliding window has no violation', async (t) => {
  const versions = [P(10, 6), P(10, 7), P(11, 6), P(12, 6, {}, [17]), P(13, 6, {}, [17]), P(17, 6, {}, [17]),
    P(18, 6, { discontinuitySequence: 1 }), P(19, 6, { discontinuitySequence: 1 })]
  t.same(checkPlaylistSequence(versions), [])
})

t.test('each rule, broken on purpose, is detected', async (t) => {
  const cases: Array<[string, MediaPlaylist[], string]> = [
    ['media sequence goes back', [P(10, 6), P(9, 6)], 'media-sequence-decreased'],
    ['discontinuity sequence goes back', [P(10, 6, { discontinuitySequence: 2 }), P(11, 6, { discontinuitySequence: 1 })], 'discontinuity-sequence-decreased'],
    ['an MSN renamed', [P(10, 6), { ...P(10, 6), segments: P(10, 6).segments.map((s) => s.msn === 12 ? { ...s, uri: 'other.ts' } : s) }], 'segment-changed'],
    ['an MSN renamed after a gap in observation', [P(10, 6), P(10, 7), { ...P(11, 7), segments: P(11, 7).segments.map((s) => s.msn === 12 ? { ...s, uri: 'x.ts' } : s) }], 'segment-changed'],
    ['discontinuity flag appears on a served MSN', [P(10, 6), P(10, 6, {}, [12])], 'discontinuity-changed'],
    ['PDT of a served MSN moves', [P(10, 6), { ...P(10, 6), segments: P(10, 6).segments.map((s) => s.msn === 13 ? { ...s, programDateTimeMs: (s.programDateTimeMs ?? 0) + 500 } : s) }], 'pdt-changed'],
    ['PDT goes backward inside a playlist', [{ ...P(10, 6), segments: P(10, 6).segments.map((s) => s.msn === 14 ? { ...s, programDateTimeMs: 0 } : s) }], 'pdt-not-monotonic'],
    ['segment removed from the tail', [P(10, 6), P(10, 5)], 'removed-from-tail'],
    ['target duration changes', [P(10, 6), P(11, 6, { targetDuration: 3 })], 'target-duration-changed'],
    ['segment longer than the target', [{ ...P(10, 3), segments: P(10, 3).segments.map((s) => s.msn === 11 ? { ...s, duration: 2.6 } : s) }], 'segment-longer-than-target'],
    ['window below 3 target durations after a removal', [P(10, 4), P(12, 2)], 'window-too-short'],
    ['DS not incremented when a discontinuity leaves', [P(10, 6, {}, [10, 11]), P(11, 6, {}, [11])], 'discontinuity-sequence-mismatch'],
    ['DS incremented too much', [P(10, 6, {}, [10]), P(11, 6, { discontinuitySequence: 2 })], 'discontinuity-sequence-mismatch'],
    ['DS incremented with nothing removed', [P(10, 6), P(10, 7, { discontinuitySequence: 1 })], 'discontinuity-sequence-mismatch']
  ]
  for (const [name, versions, rule] of cases) t.ok(rulesOf(versions).includes(rule), `${name} -> ${rule} (got ${rulesOf(versions).join(',') || 'none'})`)
})

t.test('DS accounting counts every tag that left, across several removed segments', async (t) => {
  t.same(rulesOf([P(10, 8, {}, [11, 12, 16]), P(13, 6, { discontinuitySequence: 2 }, [16])]), [])
  t.same(rulesOf([P(10, 8, {}, [11, 12, 16]), P(13, 6, { discontinuitySequence: 1 }, [16])]), ['discontinuity-sequence-mismatch'])
})

t.test('stalled: only with now and maxStallMs', async (t) => {
  let h = recordPlaylist(EMPTY_HISTORY, P(10, 6), 1000)
  t.same(checkPlaylistUpdate(h, P(10, 6), 9000), [], 'not asked for')
  t.same(checkPlaylistUpdate(h, P(10, 6), 9000, { maxStallMs: 3000 }).map((v) => v.rule), ['stalled'])
  h = recordPlaylist(h, P(10, 7), 9000)
  t.same(checkPlaylistUpdate(h, P(10, 7), 10_000, { maxStallMs: 3000 }), [])
})

t.test('history memory stays bounded on a long run', async (t) => {
  let h = EMPTY_HISTORY
  for (let i = 0; i < 2000; i++) h = recordPlaylist(h, P(i, 6))
  t.ok(Object.keys(h.seen).length <= 6, `remembers only MSNs that can still be listed (${Object.keys(h.seen).length})`)
})

t.test('rule 2 holds the path: the host of an MSN may move between edges, the path may not', async (t) => {
  const { checkPlaylistUpdate, recordPlaylist, EMPTY_HISTORY } = await import('../../../internal/hls/playlist-rules.js')
  const { parseMediaPlaylist, DEFAULT_PARSE_LIMITS } = await import('../../../internal/hls/playlist-parser.js')
  const limits = { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true }
  const playlist = (uri: string): string => `#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:2\n#EXT-X-MEDIA-SEQUENCE:10\n#EXTINF:2.0,\n${uri}\n`
  const parse = (uri: string) => {
    const r = parseMediaPlaylist(playlist(uri), limits)
    if (!r.ok) throw new Error(r.reason)
    return r.playlist
  }
  const first = parse('http://127.0.0.1:8101/live01/hi/10.ts')
  const history = recordPlaylist(EMPTY_HISTORY, first)
  t.same(checkPlaylistUpdate(history, parse('http://127.0.0.1:8102/live01/hi/10.ts')), [], 'another edge, same path')
  t.same(checkPlaylistUpdate(history, parse('10.ts')), [], 'back on the origin, same path')
  t.match(checkPlaylistUpdate(history, parse('http://127.0.0.1:8101/live01/hi/11.ts')), [{ rule: 'segment-changed' }], 'another path is a violation')
  t.notOk(parseMediaPlaylist(playlist('http://127.0.0.1:8101/live01/hi/10.ts')).ok, 'upstream parsing still refuses absolute URIs')
  t.notOk(parseMediaPlaylist(playlist('http://evil/../x/10.ts'), limits).ok, 'absolute URIs must still name a valid path')
})
