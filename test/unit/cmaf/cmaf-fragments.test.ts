import t from 'tap'
import fc from 'fast-check'
import { FragmentReader, type Sample, type TrackInit } from '../../../internal/cmaf/fragment-reader.js'
import { writeFragment, type TimedSample } from '../../../internal/cmaf/fragment-writer.js'
import { joinInitSegments, AUDIO_TRACK_ID, VIDEO_TRACK_ID } from '../../../internal/cmaf/init-segment.js'
import { boxAt, child, childBoxes, children, makeBox, makeFullBox, versionAndFlags } from '../../../internal/cmaf/mp4-box.js'

const u32 = (n: number): Buffer => { const b = Buffer.alloc(4); b.writeUInt32BE(n, 0); return b }

// a single-track init segment the way ffmpeg writes one: ftyp, moov(mvhd, trak(tkhd, mdia(mdhd)), mvex(trex))
function trackInit (timescale: number): { ftyp: Buffer, moov: Buffer } {
  const ftyp = makeBox('ftyp', Buffer.from('iso5'), u32(512), Buffer.from('iso5iso6mp41'))
  const mvhd = makeFullBox('mvhd', 0, 0, Buffer.alloc(92))
  const tkhd = makeFullBox('tkhd', 0, 3, u32(0), u32(0), u32(1), Buffer.alloc(68))
  const mdhd = makeFullBox('mdhd', 0, 0, u32(0), u32(0), u32(timescale), u32(0), Buffer.alloc(4))
  const trak = makeBox('trak', tkhd, makeBox('mdia', mdhd))
  const trex = makeFullBox('trex', 0, 0, u32(1), u32(1), u32(0), u32(0), u32(0))
  return { ftyp, moov: makeBox('moov', mvhd, trak, makeBox('mvex', trex)) }
}

const sampleArb = fc.record({
  duration: fc.integer({ min: 1, max: 5000 }),
  flags: fc.constantFrom(0x2000000, 0x1010000),
  cto: fc.integer({ min: -3000, max: 3000 }),
  data: fc.uint8Array({ minLength: 1, maxLength: 64 }).map((a) => Buffer.from(a))
})

t.test('a fragment written for a track reads back as the same samples, whatever the chunking of the pipe', async (t) => {
  fc.assert(fc.property(fc.array(sampleArb, { minLength: 1, maxLength: 12 }), fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 50 }), (samples, start, chunk) => {
    let dts = start
    const timed: TimedSample[] = samples.map((s) => { const out = { ...s, decodeTime: dts }; dts += s.duration; return out })
    const init = trackInit(90_000)
    const bytes = Buffer.concat([init.ftyp, init.moov, writeFragment(7, [{ trackId: 1, samples: timed }])])
    const got: Sample[] = []
    let seen: TrackInit | undefined
    const reader = new FragmentReader((i) => { seen = i }, (s) => { got.push(s) })
    for (let o = 0; o < bytes.length; o += chunk) reader.push(bytes.subarray(o, o + chunk))
    return seen?.timescale === 90_000 && got.length === timed.length && got.every((g, i) => {
      const w = timed[i] as TimedSample
      return g.dts === w.decodeTime && g.duration === w.duration && g.flags === w.flags && g.cto === w.cto && g.data.equals(w.data)
    })
  }))
})

t.test('a part holds both tracks in one moof and one mdat, each traf pointing at its own samples', async (t) => {
  const v = { decodeTime: 90_000 * 100, duration: 3000, flags: 0x2000000, cto: 0, data: Buffer.from('video') }
  const a = { decodeTime: 48_000 * 100, duration: 1024, flags: 0x2000000, cto: 0, data: Buffer.from('au') }
  const part = writeFragment(42, [{ trackId: VIDEO_TRACK_ID, samples: [v] }, { trackId: AUDIO_TRACK_ID, samples: [a] }, { trackId: 3, samples: [] }])
  const top = childBoxes(part, 0, part.length)
  t.same(top.map((b) => b.type), ['moof', 'mdat'])
  const moof = top[0]!
  t.equal(part.readUInt32BE(child(part, moof, 'mfhd').start + 12), 42, 'sequence number')
  const trafs = children(part, moof).filter((b) => b.type === 'traf')
  t.equal(trafs.length, 2, 'an empty track writes no traf')
  const dataOf = (traf: typeof moof): string => {
    const trun = child(part, traf, 'trun')
    const offset = part.readInt32BE(trun.start + 16)
    const size = part.readUInt32BE(trun.start + 24)
    return part.toString('latin1', moof.start + offset, moof.start + offset + size)
  }
  t.equal(dataOf(trafs[0]!), 'video')
  t.equal(dataOf(trafs[1]!), 'au')
  t.equal(versionAndFlags(part, child(part, trafs[0]!, 'tfdt')).version, 1, '64-bit decode times: epoch ticks do not fit 32 bits')
  t.same(writeFragment(42, [{ trackId: 1, samples: [v] }, { trackId: 2, samples: [a] }]), part, 'same arguments, same bytes')
})

t.test('the joined init segment: video as track 1, audio as track 2, both trex, next track 3', async (t) => {
  const video = { ...trackInit(90_000), timescale: 90_000 }
  const audio = { ...trackInit(48_000), timescale: 48_000 }
  const init = joinInitSegments(video, audio)
  const [ftyp, moov] = childBoxes(init, 0, init.length)
  t.equal(ftyp?.type, 'ftyp')
  const kids = children(init, moov!)
  t.same(kids.map((b) => b.type), ['mvhd', 'trak', 'trak', 'mvex'])
  const ids = kids.filter((b) => b.type === 'trak').map((trak) => init.readUInt32BE(child(init, trak, 'tkhd').start + 20))
  t.same(ids, [1, 2])
  const trex = children(init, kids[3]!).map((b) => init.readUInt32BE(b.start + 12))
  t.same(trex, [1, 2])
  t.equal(init.readUInt32BE(kids[0]!.start + kids[0]!.size - 4), 3)
  t.same(joinInitSegments(video, audio), init, 'deterministic')
})

t.test('malformed input is a BoxError, never a crash or an endless buffer', async (t) => {
  t.throws(() => boxAt(Buffer.from([0, 0, 0, 4, 0x6d, 0x6f, 0x6f, 0x66]), 0), /smaller than its header/, 'a size smaller than its header')
  const reader = new FragmentReader(() => {}, () => {}, 1024)
  t.throws(() => { reader.push(Buffer.concat([u32(4096), Buffer.from('mdat')])) }, /larger than 1024/)
  const orphan = new FragmentReader(() => {}, () => {})
  t.throws(() => { orphan.push(makeBox('mdat', Buffer.from('x'))) }, /mdat without a moof/)
  t.equal(boxAt(Buffer.from([0, 0]), 0), undefined, 'a header not yet arrived')
})
