import t from 'tap'
import { checkPlaylistSequence } from '../../../internal/hls/playlist-rules.js'
import type { MediaPlaylist, Part } from '../../../internal/hls/media-playlist.js'

const part = (msn: number, k: number, uri = `${msn}.${k}.m4s`): Part => ({ uri, duration: 0.5, independent: k === 0 })
function playlist (last: number, parts: Record<number, Part[]>, trailing: Part[] = []): MediaPlaylist {
  const segments = Array.from({ length: 4 }, (_, i) => {
    const msn = last - 3 + i
    return { msn, uri: `${msn}.m4s`, duration: 1, discontinuity: false, programDateTimeMs: msn * 1000, ...(parts[msn] === undefined ? {} : { parts: parts[msn] }) }
  })
  return { kind: 'media', version: 9, targetDuration: 1, mediaSequence: last - 3, discontinuitySequence: 0, segments, endList: false, independentSegments: true, partTargetDuration: 0.5, trailingParts: trailing }
}

t.test('parts: listed parts keep their names and never shrink while listed; leaving after 3 target durations is fine', async (t) => {
  const ok = [
    playlist(10, { 10: [part(10, 0), part(10, 1)] }, [part(11, 0)]),
    playlist(10, { 10: [part(10, 0), part(10, 1)] }, [part(11, 0), part(11, 1)]),
    playlist(11, { 10: [part(10, 0), part(10, 1)], 11: [part(11, 0), part(11, 1)] }),
    playlist(14, { 14: [part(14, 0), part(14, 1)] })
  ]
  t.same(checkPlaylistSequence(ok), [])
  const renamed = checkPlaylistSequence([playlist(10, {}, [part(11, 0)]), playlist(10, {}, [part(11, 0, '11.0b.m4s')])])
  t.match(renamed, [{ rule: 'part-changed', msn: 11 }])
  const shrunk = checkPlaylistSequence([playlist(10, {}, [part(11, 0), part(11, 1)]), playlist(10, {}, [part(11, 0)])])
  t.match(shrunk, [{ rule: 'part-removed-from-tail', msn: 11 }])
})
