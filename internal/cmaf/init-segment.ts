import type { TrackInit } from './fragment-reader.js'
import { boxAt, boxBytes, BoxError, children, makeBox, versionAndFlags, type Box } from './mp4-box.js'

/** Track IDs in the joined init segment and in every part's trafs. */
export const VIDEO_TRACK_ID = 1
export const AUDIO_TRACK_ID = 2

function copyWithTrackId (buf: Buffer, box: Box, fieldOffset: number, trackId: number): Buffer {
  const out = Buffer.from(boxBytes(buf, box))
  out.writeUInt32BE(trackId, box.header + fieldOffset)
  return out
}

/** A trak with its tkhd's track_ID set. */
function renumberTrak (buf: Buffer, trak: Box, trackId: number): Buffer {
  const parts = children(buf, trak).map((b) => {
    if (b.type !== 'tkhd') return Buffer.from(boxBytes(buf, b))
    // version 0: creation, modification (32 bits each) before track_ID; version 1: 64 bits each
    return copyWithTrackId(buf, b, versionAndFlags(buf, b).version === 1 ? 20 : 12, trackId)
  })
  return makeBox('trak', ...parts)
}

function only (buf: Buffer, parent: Box, type: string): Box {
  const found = children(buf, parent).filter((b) => b.type === type)
  if (found.length !== 1) throw new BoxError(`expected one ${type} in ${parent.type}, got ${found.length}`)
  return found[0] as Box
}

/**
 * One init segment (ftyp + moov) for a muxed rendition from ffmpeg's two single-track outputs:
 * the video's movie header and track as track 1, the audio's track as track 2, both trex in one
 * mvex. ffmpeg writes both outputs bit-exactly, so every worker joins them into the same bytes.
 */
export function joinInitSegments (video: TrackInit, audio: TrackInit): Buffer {
  const vMoov = boxAt(video.moov, 0) as Box
  const aMoov = boxAt(audio.moov, 0) as Box
  const mvhd = Buffer.from(boxBytes(video.moov, only(video.moov, vMoov, 'mvhd')))
  mvhd.writeUInt32BE(AUDIO_TRACK_ID + 1, mvhd.length - 4)
  const vTrex = only(video.moov, only(video.moov, vMoov, 'mvex'), 'trex')
  const aTrex = only(audio.moov, only(audio.moov, aMoov, 'mvex'), 'trex')
  const mvex = makeBox('mvex',
    copyWithTrackId(video.moov, vTrex, 4, VIDEO_TRACK_ID),
    copyWithTrackId(audio.moov, aTrex, 4, AUDIO_TRACK_ID))
  const moov = makeBox('moov', mvhd,
    renumberTrak(video.moov, only(video.moov, vMoov, 'trak'), VIDEO_TRACK_ID),
    renumberTrak(audio.moov, only(audio.moov, aMoov, 'trak'), AUDIO_TRACK_ID),
    mvex)
  return Buffer.concat([video.ftyp, moov])
}
