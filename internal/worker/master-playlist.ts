import type { Rendition } from './ladder.js'
import { codecsFor } from './codec-string.js'

export interface MasterPlaylistOptions {
  readonly ladder: readonly Rendition[]
  readonly frameRate: number
  readonly preset: string
}

// MPEG-TS packetisation and PES headers add roughly this much on top of the elementary streams
const TS_OVERHEAD = 1.08
// the encoder is capped at maxrate = 1.1 x target (see ffmpeg-args), which bounds the peak
const PEAK_FACTOR = 1.1

/** BANDWIDTH (peak) and AVERAGE-BANDWIDTH in bit/s for a rendition, from its configured rates. */
export function bandwidthFor (rendition: Rendition): { peak: number, average: number } {
  const average = Math.round((rendition.videoKbps + rendition.audioKbps) * 1000 * TS_OVERHEAD)
  const peak = Math.round((rendition.videoKbps * PEAK_FACTOR + rendition.audioKbps) * 1000 * TS_OVERHEAD)
  return { peak, average }
}

/** The master playlist for the ladder, highest rendition first; variant URIs are `<rendition>/playlist.m3u8`. */
export function buildMasterPlaylist (options: MasterPlaylistOptions): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', '#EXT-X-INDEPENDENT-SEGMENTS']
  const ordered = [...options.ladder].sort((a, b) => b.videoKbps - a.videoKbps)
  for (const r of ordered) {
    const { peak, average } = bandwidthFor(r)
    lines.push(
      `#EXT-X-STREAM-INF:BANDWIDTH=${peak},AVERAGE-BANDWIDTH=${average},RESOLUTION=${r.width}x${r.height},` +
      `CODECS="${codecsFor(r, options.frameRate, options.preset)}",FRAME-RATE=${options.frameRate.toFixed(3)}`,
      `${r.name}/playlist.m3u8`
    )
  }
  return lines.join('\n') + '\n'
}
