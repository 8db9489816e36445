/** One EXT-X-STREAM-INF entry of a multivariant (master) playlist. */
export interface Variant {
  /** Relative URI: "<rendition>/<playlist>.m3u8" or "<playlist>.m3u8". */
  readonly uri: string
  readonly bandwidth: number
  readonly averageBandwidth?: number
  readonly resolution?: { readonly width: number, readonly height: number }
  readonly codecs?: string
  readonly frameRate?: number
  /** HLS Content Steering PATHWAY-ID (RFC 8216bis 4.4.6.1): which copy of the ladder this is. */
  readonly pathwayId?: string
}

/** A multivariant playlist, already validated (see playlist-parser.ts). */
export interface MasterPlaylist {
  readonly kind: 'master'
  readonly version?: number
  readonly variants: readonly Variant[]
  readonly independentSegments: boolean
  /** EXT-X-CONTENT-STEERING (RFC 8216bis 4.4.6.6): where the steering manifest is, and the pathway to start on. */
  readonly contentSteering?: { readonly serverUri: string, readonly pathwayId: string }
}

/** The rendition directory a variant URI points into ("720p/playlist.m3u8" -> "720p"), if any. */
export function renditionOfVariant (variant: Pick<Variant, 'uri'>): string | undefined {
  const slash = variant.uri.indexOf('/')
  return slash === -1 ? undefined : variant.uri.slice(0, slash)
}
