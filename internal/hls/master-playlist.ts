/** One EXT-X-STREAM-INF entry of a multivariant (master) playlist. */
export interface Variant {
  /** Relative URI: "<rendition>/<playlist>.m3u8" or "<playlist>.m3u8". */
  readonly uri: string
  readonly bandwidth: number
  readonly averageBandwidth?: number
  readonly resolution?: { readonly width: number, readonly height: number }
  readonly codecs?: string
  readonly frameRate?: number
}

/** A multivariant playlist, already validated (see playlist-parser.ts). */
export interface MasterPlaylist {
  readonly kind: 'master'
  readonly version?: number
  readonly variants: readonly Variant[]
  readonly independentSegments: boolean
}

/** The rendition directory a variant URI points into ("720p/playlist.m3u8" -> "720p"), if any. */
export function renditionOfVariant (variant: Pick<Variant, 'uri'>): string | undefined {
  const slash = variant.uri.indexOf('/')
  return slash === -1 ? undefined : variant.uri.slice(0, slash)
}
