import { boxAt, BoxError, child, children, versionAndFlags, type Box } from './mp4-box.js'

/** One coded sample of a single-track fragmented MP4, as ffmpeg wrote it. */
export interface Sample {
  /** Decode time in the track's timescale, from ffmpeg's tfdt (its run starts at 0). */
  readonly dts: number
  readonly duration: number
  /** trun sample flags (ISO/IEC 14496-12 8.8.3.1): bit 16 set means not a sync sample. */
  readonly flags: number
  /** Composition time offset (pts - dts). */
  readonly cto: number
  readonly data: Buffer
}

/** The init segment of a single-track output: ftyp and moov. */
export interface TrackInit {
  readonly ftyp: Buffer
  readonly moov: Buffer
  readonly timescale: number
}

/** A sample is a sync sample unless sample_is_non_sync_sample (bit 16) is set. */
export function isSyncSample (flags: number): boolean {
  return (flags & 0x10000) === 0
}

interface PendingMoof {
  readonly samples: Array<Omit<Sample, 'data'> & { readonly size: number }>
  /** Offset of the first sample's data from the moof's first byte (default-base-is-moof). */
  readonly dataOffset: number
  readonly moofSize: number
}

/**
 * Reads a single-track fragmented MP4 as it arrives on a pipe (ffmpeg -f mp4 with empty_moov and
 * default_base_moof) and hands out its init segment and its samples one by one. Bounded: a box
 * larger than `maxBoxBytes` is an error, not a buffer that grows without end.
 */
export class FragmentReader {
  #buffer: Buffer = Buffer.alloc(0)
  #ftyp: Buffer | undefined
  #init: TrackInit | undefined
  #moof: PendingMoof | undefined

  constructor (
    private readonly onInit: (init: TrackInit) => void,
    private readonly onSample: (sample: Sample) => void,
    private readonly maxBoxBytes = 64 * 1024 * 1024
  ) {}

  get init (): TrackInit | undefined { return this.#init }

  /** Feeds bytes; throws BoxError on a stream this reader cannot follow. */
  push (chunk: Buffer): void {
    this.#buffer = this.#buffer.length === 0 ? chunk : Buffer.concat([this.#buffer, chunk])
    let offset = 0
    for (;;) {
      const box = boxAt(this.#buffer, offset)
      if (box === undefined) break
      if (box.size > this.maxBoxBytes) throw new BoxError(`a ${box.type} box of ${box.size} bytes is larger than ${this.maxBoxBytes}`)
      if (offset + box.size > this.#buffer.length) break
      this.#onBox(this.#buffer.subarray(offset, offset + box.size), box.type)
      offset += box.size
    }
    // copy the remainder, so the consumed chunks are not kept alive by a view into them
    this.#buffer = offset === 0 ? this.#buffer : Buffer.from(this.#buffer.subarray(offset))
  }

  #onBox (bytes: Buffer, type: string): void {
    const box: Box = { ...(boxAt(bytes, 0) as Box), start: 0 }
    if (type === 'ftyp') this.#ftyp = Buffer.from(bytes)
    else if (type === 'moov') this.#readMoov(bytes, box)
    else if (type === 'moof') this.#moof = readMoof(bytes, box)
    else if (type === 'mdat') this.#readMdat(bytes, box)
  }

  #readMoov (bytes: Buffer, moov: Box): void {
    if (this.#ftyp === undefined) throw new BoxError('moov before ftyp')
    const trak = child(bytes, moov, 'trak')
    const mdhd = child(bytes, child(bytes, trak, 'mdia'), 'mdhd')
    const { version } = versionAndFlags(bytes, mdhd)
    const timescale = bytes.readUInt32BE(mdhd.start + mdhd.header + (version === 1 ? 20 : 12))
    this.#init = { ftyp: this.#ftyp, moov: Buffer.from(bytes), timescale }
    this.onInit(this.#init)
  }

  #readMdat (bytes: Buffer, mdat: Box): void {
    const moof = this.#moof
    if (moof === undefined) throw new BoxError('mdat without a moof before it')
    this.#moof = undefined
    // the data offset counts from the moof's start; the mdat follows the moof directly
    let at = moof.dataOffset - moof.moofSize
    if (at < mdat.header) throw new BoxError('trun data offset points before the mdat payload')
    for (const s of moof.samples) {
      if (at + s.size > bytes.length) throw new BoxError('a sample runs past the end of its mdat')
      this.onSample({ dts: s.dts, duration: s.duration, flags: s.flags, cto: s.cto, data: Buffer.from(bytes.subarray(at, at + s.size)) })
      at += s.size
    }
  }
}

function readMoof (buf: Buffer, moof: Box): PendingMoof {
  const trafs = children(buf, moof).filter((b) => b.type === 'traf')
  if (trafs.length !== 1) throw new BoxError(`expected one traf per moof, got ${trafs.length}`)
  const traf = trafs[0] as Box
  const tfhd = child(buf, traf, 'tfhd')
  const tf = versionAndFlags(buf, tfhd).flags
  if ((tf & 0x1) !== 0) throw new BoxError('tfhd base-data-offset is not supported: expected default-base-is-moof')
  let o = tfhd.start + tfhd.header + 8
  if ((tf & 0x2) !== 0) o += 4
  let defaultDuration = 0
  let defaultSize = 0
  let defaultFlags = 0
  if ((tf & 0x8) !== 0) { defaultDuration = buf.readUInt32BE(o); o += 4 }
  if ((tf & 0x10) !== 0) { defaultSize = buf.readUInt32BE(o); o += 4 }
  if ((tf & 0x20) !== 0) defaultFlags = buf.readUInt32BE(o)

  const tfdt = child(buf, traf, 'tfdt')
  const tfdtVersion = versionAndFlags(buf, tfdt).version
  const at = tfdt.start + tfdt.header + 4
  let dts = tfdtVersion === 1 ? Number(buf.readBigUInt64BE(at)) : buf.readUInt32BE(at)

  const trun = child(buf, traf, 'trun')
  const { version, flags: rf } = versionAndFlags(buf, trun)
  let p = trun.start + trun.header + 4
  const count = buf.readUInt32BE(p); p += 4
  if ((rf & 0x1) === 0) throw new BoxError('trun has no data offset')
  const dataOffset = buf.readInt32BE(p); p += 4
  let firstFlags: number | undefined
  if ((rf & 0x4) !== 0) { firstFlags = buf.readUInt32BE(p); p += 4 }
  const samples: PendingMoof['samples'][number][] = []
  for (let i = 0; i < count; i++) {
    let duration = defaultDuration
    let size = defaultSize
    let flags = i === 0 && firstFlags !== undefined ? firstFlags : defaultFlags
    let cto = 0
    if ((rf & 0x100) !== 0) { duration = buf.readUInt32BE(p); p += 4 }
    if ((rf & 0x200) !== 0) { size = buf.readUInt32BE(p); p += 4 }
    if ((rf & 0x400) !== 0) { flags = buf.readUInt32BE(p); p += 4 }
    if ((rf & 0x800) !== 0) { cto = version === 1 ? buf.readInt32BE(p) : buf.readUInt32BE(p); p += 4 }
    samples.push({ dts, duration, size, flags, cto })
    dts += duration
  }
  return { samples, dataOffset, moofSize: moof.size }
}
