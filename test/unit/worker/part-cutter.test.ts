import t from 'tap'
import fc from 'fast-check'
import { PartCutter, partIndexOf, type CutPart } from '../../../internal/worker/part-cutter.js'
import { addPart, EMPTY_WINDOW, reportOf, windowPlaylist, type CmafWindow } from '../../../internal/worker/cmaf-window.js'
import { serializeMediaPlaylist } from '../../../internal/hls/playlist-serializer.js'
import { parseMediaPlaylist } from '../../../internal/hls/playlist-parser.js'

const GRID = { segmentMs: 2000, partMs: 500 }
const T0 = 1_796_127_554_000
const VIDEO = { trackId: 1, timescale: 90_000, epochTicksAtZero: (T0 - 3000) * 90 }
const AUDIO = { trackId: 2, timescale: 48_000, epochTicksAtZero: (T0 - 3000) * 48 - 1024 }
const frame = (n: number, key = false): { dts: number, duration: number, flags: number, cto: number, data: Buffer } =>
  ({ dts: n * 3000, duration: 3000, flags: key ? 0x2000000 : 0x1010000, cto: 0, data: Buffer.from([n & 0xff]) })
const aac = (n: number): { dts: number, duration: number, flags: number, cto: number, data: Buffer } =>
  ({ dts: n * 1024, duration: 1024, flags: 0x2000000, cto: 0, data: Buffer.from([n & 0xff]) })

t.test('part index: exact on the epoch grid, with no float rounding at 1.8e9 s', async (t) => {
  t.equal(partIndexOf(T0 * 90, 90_000, 500), T0 / 500)
  t.equal(partIndexOf(T0 * 90 - 1, 90_000, 500), T0 / 500 - 1)
  t.equal(partIndexOf(T0 * 48, 48_000, 500), T0 / 500)
})

/** Feeds `seconds` of 30 fps video and 48 kHz AAC, interleaved as ffmpeg writes them, in the given order per track. */
function run (cutter: PartCutter, seconds: number, audioLag: number): CutPart[] {
  const out: CutPart[] = []
  const frames = seconds * 30
  const audioFrames = Math.floor((seconds * 48_000) / 1024)
  let a = 0
  for (let v = 0; v < frames; v++) {
    out.push(...cutter.push(0, frame(v, v === 0 || (v >= 90 && (v - 90) % 60 === 0))))
    while (a < audioFrames && a * 1024 / 48 <= v * 100 / 3 - audioLag) out.push(...cutter.push(1, aac(a++)))
  }
  return out
}

t.test('parts: the pre-roll dropped, every part on the grid, in order, each sample once, part 0 independent', async (t) => {
  fc.assert(fc.property(fc.integer({ min: 0, max: 200 }), (audioLag) => {
    const cutter = new PartCutter(GRID, [VIDEO, AUDIO], T0 / 500)
    const parts = run(cutter, 9, audioLag)
    // 9 s of input from T0 - 3 s: 6 s after T0, less the part still open
    if (parts.length < 10) return false
    return parts.every((p, i) => {
      const global = T0 / 500 + i
      const videoOk = p.tracks[0]!.samples.length === 15 && p.tracks[0]!.samples.every((s) => partIndexOf(s.decodeTime, 90_000, 500) === global)
      const audioOk = p.tracks[1]!.samples.every((s) => partIndexOf(s.decodeTime, 48_000, 500) === global)
      return p.msn === Math.floor(global / 4) && p.index === global % 4 && videoOk && audioOk && p.independent === (p.index === 0)
    })
  }))
})

t.test('audio frames straddle part ends: each goes to the part it starts in, none lost between parts', async (t) => {
  const cutter = new PartCutter(GRID, [VIDEO, AUDIO], T0 / 500)
  const parts = run(cutter, 9, 50)
  const audio = parts.flatMap((p) => p.tracks[1]!.samples.map((s) => s.decodeTime))
  for (let i = 1; i < audio.length; i++) if (audio[i]! - audio[i - 1]! !== 1024) t.fail(`audio frame ${i} does not follow`)
  t.ok(audio[0]! >= T0 * 48 && audio[0]! - 1024 < T0 * 48, 'the first audio frame is the first one starting at or after t0')
  t.throws(() => new PartCutter({ segmentMs: 2000, partMs: 300 }, [VIDEO], 0), /does not divide/)
})

const O = { segmentSeconds: 2, partSeconds: 0.5, listSize: 6 }

function windowAfter (msns: number, from = 1000): CmafWindow {
  let w = EMPTY_WINDOW
  for (let m = from; m < from + msns; m++) for (let k = 0; k < 4; k++) w = addPart(w, O, m, k, k === 0)
  return w
}

t.test('the window: segments close on their last part, parts listed for the last three, the next part hinted', async (t) => {
  let w = windowAfter(8)
  t.same(w.segments.map((s) => s.msn), [1002, 1003, 1004, 1005, 1006, 1007], 'listSize segments')
  w = addPart(w, O, 1008, 0, true)
  w = addPart(w, O, 1008, 1, false)
  const p = windowPlaylist(w, O, [])!
  t.same(p.segments.map((s) => s.parts?.length ?? 0), [0, 0, 0, 4, 4, 4])
  t.same(p.trailingParts?.map((x) => x.uri), ['1008.0.m4s', '1008.1.m4s'])
  t.equal(p.preloadHint, '1008.2.m4s')
  t.same(reportOf(w, 'x.m3u8'), { uri: 'x.m3u8', lastMsn: 1008, lastPart: 1 })
  const text = serializeMediaPlaylist(p)
  const parsed = parseMediaPlaylist(text, { ...{ maxBytes: 1 << 20, maxSegments: 5000, maxVariants: 64, maxTargetDuration: 60, maxLineLength: 4096 }, cmaf: true })
  t.ok(parsed.ok && serializeMediaPlaylist(parsed.playlist) === text, 'what the worker writes, the parser reads back to the same text')
})

t.test('a part that does not follow starts the segment afresh; a new run starts a new window', async (t) => {
  let w = windowAfter(3)
  w = addPart(w, O, 1003, 0, true)
  w = addPart(w, O, 1003, 2, false)
  t.same(w.currentParts, [], 'a hole in the parts: the segment is not listed')
  for (let k = 0; k < 4; k++) w = addPart(w, O, 1010, k, k === 0)
  t.same(w.segments.map((s) => s.msn), [1010], 'a segment that does not follow the last starts the window again')
  t.equal(windowPlaylist(EMPTY_WINDOW, O, []), undefined, 'nothing to list before the first segment closes')
})
