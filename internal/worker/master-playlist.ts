import type { MasterPlaylist, Variant } from '../hls/master-playlist.js'
import { serializeMasterPlaylist } from '../hls/playlist-serializer.js'
import type { Rendition } from '../streams/ladder.js'
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

/** The master playlist model for the ladder, highest rendition first; variant URIs are `<rendition>/playlist.m3u8`. */
export function masterPlaylistFor (options: MasterPlaylistOptions): MasterPlaylist {
  const ordered = [...options.ladder].sort((a, b) => b.videoKbps - a.videoKbps)
  const variants: Variant[] = ordered.map((r) => {
    const { peak, average } = bandwidthFor(r)
    return {
      uri: `${r.name}/playlist.m3u8`,
      bandwidth: peak,
      averageBandwidth: average,
      resolution: { width: r.width, height: r.height },
      codecs: codecsFor(r, options.frameRate, options.preset),
      frameRate: options.frameRate
    }
  })
  return { kind: 'master', version: 3, independentSegments: true, variants }
}

/** The master playlist text, written by hls/'s serializer. */
export function buildMasterPlaylist (options: MasterPlaylistOptions): string {
  return serializeMasterPlaylist(masterPlaylistFor(options))
}
