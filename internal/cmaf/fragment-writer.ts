import { makeBox, makeFullBox } from './mp4-box.js'

/** A sample placed on the epoch timeline. */
export interface TimedSample {
  /** Decode time since the Unix epoch, in the track's timescale. */
  readonly decodeTime: number
  readonly duration: number
  readonly flags: number
  readonly cto: number
  readonly data: Buffer
}

export interface TrackRun {
  readonly trackId: number
  readonly samples: readonly TimedSample[]
}

// trun: data-offset, sample-duration, sample-size, sample-flags, sample-composition-time-offset
const TRUN_FLAGS = 0x1 | 0x100 | 0x200 | 0x400 | 0x800
const TFHD_DEFAULT_BASE_IS_MOOF = 0x20000

function u32 (n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeUInt32BE(n >>> 0, 0)
  return b
}

function traf (run: TrackRun, dataOffset: number): Buffer {
  const first = run.samples[0]
  if (first === undefined) throw new RangeError('a traf needs at least one sample')
  const tfdt = Buffer.alloc(8)
  tfdt.writeBigUInt64BE(BigInt(first.decodeTime), 0)
  const entries = Buffer.alloc(8 + run.samples.length * 16)
  entries.writeUInt32BE(run.samples.length, 0)
  entries.writeInt32BE(dataOffset, 4)
  run.samples.forEach((s, i) => {
    const o = 8 + i * 16
    entries.writeUInt32BE(s.duration, o)
    entries.writeUInt32BE(s.data.length, o + 4)
    entries.writeUInt32BE(s.flags >>> 0, o + 8)
    entries.writeInt32BE(s.cto, o + 12)
  })
  return makeBox('traf',
    makeFullBox('tfhd', 0, TFHD_DEFAULT_BASE_IS_MOOF, u32(run.trackId)),
    makeFullBox('tfdt', 1, 0, tfdt),
    makeFullBox('trun', 1, TRUN_FLAGS, entries))
}

function moof (sequence: number, runs: readonly TrackRun[], offsets: readonly number[]): Buffer {
  return makeBox('moof', makeFullBox('mfhd', 0, 0, u32(sequence)), ...runs.map((r, i) => traf(r, offsets[i] ?? 0)))
}

/**
 * One CMAF chunk (moof + mdat) holding the given tracks' samples: what a part is, and what a
 * segment is a run of. Everything in it is a function of its arguments, so two workers that cut
 * the same samples at the same epoch times write the same bytes.
 */
export function writeFragment (sequence: number, runs: readonly TrackRun[]): Buffer {
  const used = runs.filter((r) => r.samples.length > 0)
  // the moof's size does not depend on the offsets in it: measure it once, then write it for real
  const moofSize = moof(sequence, used, []).length
  const offsets: number[] = []
  let at = moofSize + 8
  for (const r of used) {
    offsets.push(at)
    for (const s of r.samples) at += s.data.length
  }
  const payload = used.flatMap((r) => r.samples.map((s) => s.data))
  return Buffer.concat([moof(sequence, used, offsets), makeBox('mdat', ...payload)])
}
