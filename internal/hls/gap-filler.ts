/**
 * What the origin answers for the URI of an EXT-X-GAP segment. Players that implement the tag
 * (hls.js, Shaka Player, AVPlayer) never ask for it; video.js 8 (VHS) does not implement it, and a
 * 404 there makes it exclude every rendition in turn and stall. An MPEG-TS holding only the program
 * tables (PAT and PMT, as ffmpeg writes them: PMT on PID 0x1000, H.264 on 0x100, AAC on 0x101) is a
 * valid segment with no media: the player appends nothing and steps over the hole in its buffer.
 */

const PACKET_BYTES = 188
const PMT_PID = 0x1000
const VIDEO_PID = 0x100
const AUDIO_PID = 0x101

/** CRC-32/MPEG-2 of a PSI section (ISO/IEC 13818-1 annex A). */
export function crc32Mpeg2 (bytes: Uint8Array): number {
  let crc = 0xffffffff
  for (const byte of bytes) {
    crc ^= byte << 24
    for (let bit = 0; bit < 8; bit++) crc = (crc & 0x80000000) !== 0 ? (crc << 1) ^ 0x04c11db7 : crc << 1
    crc >>>= 0
  }
  return crc >>> 0
}

/** One TS packet carrying one whole PSI section on `pid`, padded with 0xff. */
function sectionPacket (pid: number, section: readonly number[]): Buffer {
  const packet = Buffer.alloc(PACKET_BYTES, 0xff)
  packet[0] = 0x47
  packet[1] = 0x40 | ((pid >> 8) & 0x1f) // payload unit start
  packet[2] = pid & 0xff
  packet[3] = 0x10 // payload only, continuity counter 0
  packet[4] = 0 // pointer field
  const body = Buffer.from(section)
  body.copy(packet, 5)
  packet.writeUInt32BE(crc32Mpeg2(body), 5 + body.length)
  return packet
}

const hi = (n: number): number => (n >> 8) & 0x1f
const lo = (n: number): number => n & 0xff

// program 1 -> PMT; section_length 13 = 5 header bytes + 4 per program + 4 CRC
const PAT = [0x00, 0xb0, 0x0d, 0x00, 0x01, 0xc1, 0x00, 0x00, 0x00, 0x01, 0xe0 | hi(PMT_PID), lo(PMT_PID)]
// PCR on the video PID; section_length 23 = 9 header bytes + 5 per stream + 4 CRC
const PMT = [
  0x02, 0xb0, 0x17, 0x00, 0x01, 0xc1, 0x00, 0x00, 0xe0 | hi(VIDEO_PID), lo(VIDEO_PID), 0xf0, 0x00,
  0x1b, 0xe0 | hi(VIDEO_PID), lo(VIDEO_PID), 0xf0, 0x00, // H.264
  0x0f, 0xe0 | hi(AUDIO_PID), lo(AUDIO_PID), 0xf0, 0x00 // AAC (ADTS)
]

/** The bytes of a gap's URI: program tables and no media. */
export const GAP_FILLER_TS: Buffer = Buffer.concat([sectionPacket(0, PAT), sectionPacket(PMT_PID, PMT)])
