import t from 'tap'
import fc from 'fast-check'
import { advanceTimeline, findOutputSegment, timelinePlaylist } from '../../../internal/hls/signal-timeline.js'
import { DEFAULT_TIMELINE_OPTIONS, EMPTY_TIMELINE, type SourceInput, type TimelineState } from '../../../internal/hls/timeline-state.js'
import { addPart, EMPTY_WINDOW, windowPlaylist, type CmafWindow } from '../../../internal/worker/cmaf-window.js'
import type { MediaPlaylist } from '../../../internal/hls/media-playlist.js'

const O = { segmentSeconds: 1, partSeconds: 0.5, listSize: 10 }
const RENDITIONS = ['360p', '720p']
const OPTIONS = { ...DEFAULT_TIMELINE_OPTIONS, windowSize: 10 }

/** A CMAF worker's playlist (the worker's own code) up to part `upTo` counted from part 0 of MSN 1000. */
function workerPlaylist (upTo: number): MediaPlaylist {
  let w: CmafWindow = EMPTY_WINDOW
  for (let p = 0; p <= upTo; p++) w = addPart(w, O, 1000 + Math.floor(p / 2), p % 2, p % 2 === 0)
  return windowPlaylist(w, O, []) as MediaPlaylist
}

function source (upTo: number | undefined, eligible = true): SourceInput {
  const playlists = new Map<string, MediaPlaylist>()
  if (upTo !== undefined) for (const r of RENDITIONS) playlists.set(r, workerPlaylist(upTo))
  return { playlists, eligible }
}

function step (state: TimelineState, now: number, a: number | undefined, b: number | undefined): TimelineState {
  return advanceTimeline(state, { now, sources: new Map([['a', source(a)], ['b', source(b)]]) }, OPTIONS).state
}

t.test('the output lists each source part once, keeps every listed part, and hints the next one', async (t) => {
  let state = step(EMPTY_TIMELINE, 0, 8, 7)
  let p = timelinePlaylist(state, '360p', OPTIONS)!
  t.equal(p.partTargetDuration, 0.5)
  t.same(p.trailingParts?.map((x) => x.uri), ['1004.0.m4s'], 'a is one part ahead of b: its part is listed')
  t.equal(p.preloadHint, '1004.1.m4s')
  t.same(findOutputSegment(state, '360p', '1004.0.m4s')?.candidates.map((c) => c.sourceId), ['a'], 'only a has it')
  state = step(state, 100, 7, 7)
  p = timelinePlaylist(state, '360p', OPTIONS)!
  t.same(p.trailingParts?.map((x) => x.uri), ['1004.0.m4s'], 'a fell back to b\'s view: the listed part stays')
  state = step(state, 200, 8, 8)
  t.same(findOutputSegment(state, '360p', '1004.0.m4s')?.candidates.map((c) => c.sourceId), ['a', 'b'], 'b lists it now: a second candidate')
  state = step(state, 300, 10, 9)
  p = timelinePlaylist(state, '360p', OPTIONS)!
  const last = p.segments[p.segments.length - 1]!
  t.equal(last.uri, '1004.m4s')
  t.same(last.parts?.map((x) => x.uri), ['1004.0.m4s', '1004.1.m4s'], 'the appended segment keeps the parts it had')
  t.equal(last.map, 'init.mp4')
  t.same(findOutputSegment(state, '720p', 'init.mp4')?.candidates.map((c) => c.sourceId), ['a', 'b'])
  t.same(p.renditionReports, [{ uri: '../720p/playlist.m3u8', lastMsn: 1005, lastPart: 0 }])
  t.equal(p.version, 9)
})

t.test('parts are listed for the last three target durations only', async (t) => {
  let state = step(EMPTY_TIMELINE, 0, 11, 11)
  for (let i = 1; i <= 8; i++) state = step(state, i * 1000, 11 + 2 * i, 11 + 2 * i)
  const counts = timelinePlaylist(state, '360p', OPTIONS)!.segments.map((s) => s.parts?.length ?? 0)
  t.ok(counts.length > 4, `${counts.length} segments listed`)
  t.same(counts.slice(-3), [2, 2, 2])
  t.ok(counts.slice(0, -3).every((n) => n === 0), counts.join(','))
})

t.test('property: once listed, a part stays listed under the same name until its segment is, whatever the sources do', async (t) => {
  fc.assert(fc.property(fc.array(fc.tuple(fc.option(fc.integer({ min: 0, max: 3 })), fc.option(fc.integer({ min: 0, max: 3 }))), { minLength: 2, maxLength: 40 }), (moves) => {
    let state = EMPTY_TIMELINE
    let a = 8
    let b = 8
    const seen = new Map<string, number>()
    let now = 0
    for (const [da, db] of moves) {
      a += da ?? 0
      b += db ?? 0
      now += 250
      state = step(state, now, a, b)
      const p = timelinePlaylist(state, '360p', OPTIONS)
      if (p === undefined) continue
      const listed = new Set([...p.segments.flatMap((s) => s.parts ?? []), ...p.trailingParts ?? []].map((x) => x.uri))
      const lastListed = p.segments[p.segments.length - 1]!.msn
      for (const [name, msn] of seen) if (msn > lastListed - 3 && !listed.has(name)) return false
      for (const name of listed) seen.set(name, Number(name.split('.')[0]))
    }
    return true
  }))
})
