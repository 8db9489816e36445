/**
 * ISO BMFF boxes (ISO/IEC 14496-12 4.2) as far as the CMAF cutter needs them: finding boxes in a
 * buffer and writing new ones. Sizes above 4 GiB (size 1) are read; size 0 ("to the end") is not,
 * since a live fragment never uses it.
 */
export interface Box {
  readonly type: string
  /** Offset of the box's first byte (its size field) in the buffer it was read from. */
  readonly start: number
  /** Whole box, header included. */
  readonly size: number
  /** Header length: 8, or 16 with a 64-bit size. */
  readonly header: number
}

export class BoxError extends Error {}

/**
 * The box that starts at `offset`, or undefined when the buffer does not hold its header yet.
 * Throws BoxError on a size no well-formed box has.
 */
export function boxAt (buf: Buffer, offset: number): Box | undefined {
  if (offset + 8 > buf.length) return undefined
  let size = buf.readUInt32BE(offset)
  let header = 8
  if (size === 1) {
    if (offset + 16 > buf.length) return undefined
    const big = buf.readBigUInt64BE(offset + 8)
    if (big > BigInt(Number.MAX_SAFE_INTEGER)) throw new BoxError('box larger than 2^53 bytes')
    size = Number(big)
    header = 16
  }
  if (size < header) throw new BoxError(`box size ${size} is smaller than its header`)
  return { type: buf.toString('latin1', offset + 4, offset + 8), start: offset, size, header }
}

/** The boxes inside [start, end) of `buf`, in order; throws BoxError when one overruns the range. */
export function childBoxes (buf: Buffer, start: number, end: number): Box[] {
  const out: Box[] = []
  for (let o = start; o < end;) {
    const box = boxAt(buf, o)
    if (box === undefined || o + box.size > end) throw new BoxError(`box at ${o} overruns its parent`)
    out.push(box)
    o += box.size
  }
  return out
}

/** The boxes inside `parent` (whose payload starts after `skip` bytes of version and fields). */
export function children (buf: Buffer, parent: Box, skip = 0): Box[] {
  return childBoxes(buf, parent.start + parent.header + skip, parent.start + parent.size)
}

/** The first child of `parent` of this type; throws BoxError when it has none. */
export function child (buf: Buffer, parent: Box, type: string): Box {
  const found = children(buf, parent).find((b) => b.type === type)
  if (found === undefined) throw new BoxError(`${parent.type} has no ${type}`)
  return found
}

/** The bytes of one box. */
export function boxBytes (buf: Buffer, box: Box): Buffer {
  return buf.subarray(box.start, box.start + box.size)
}

/** A box of this type around `payload` (a 32-bit size: a part never reaches 4 GiB). */
export function makeBox (type: string, ...payload: Buffer[]): Buffer {
  const size = 8 + payload.reduce((n, p) => n + p.length, 0)
  const header = Buffer.alloc(8)
  header.writeUInt32BE(size, 0)
  header.write(type, 4, 'latin1')
  return Buffer.concat([header, ...payload], size)
}

/** A full box: one version byte and 24 bits of flags before the payload. */
export function makeFullBox (type: string, version: number, flags: number, ...payload: Buffer[]): Buffer {
  const vf = Buffer.alloc(4)
  vf.writeUInt32BE(((version & 0xff) << 24) | (flags & 0xffffff), 0)
  return makeBox(type, vf, ...payload)
}

/** Version and flags of the full box `box`. */
export function versionAndFlags (buf: Buffer, box: Box): { version: number, flags: number } {
  const vf = buf.readUInt32BE(box.start + box.header)
  return { version: vf >>> 24, flags: vf & 0xffffff }
}
