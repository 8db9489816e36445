import type { Logger } from '../log/logger.js'
import { renditionOfVariant, type MasterPlaylist } from '../hls/master-playlist.js'
import type { MediaPlaylist } from '../hls/media-playlist.js'
import { parseMediaPlaylist, parsePlaylist, type ParseLimits } from '../hls/playlist-parser.js'
import type { OriginMetrics } from './origin-metrics.js'
import type { UpstreamClient } from './upstream-client.js'

/** The signal-level media playlist of a one-rendition ladder is stored under this rendition key. */
export const SIGNAL_LEVEL = ''

export interface Rendition { readonly key: string, readonly playlistPath: string }

/** What a signal looks like upstream: its renditions and, for a ladder, the multivariant playlist. */
export interface SignalLayout {
  readonly renditions: readonly Rendition[]
  /** Only the variants whose renditions we follow; undefined for a one-rendition signal. */
  readonly master?: MasterPlaylist
  /** The packager it was learned from. */
  readonly learnedFrom: string
}

/** Pure: the layout an entry playlist describes. */
export function layoutOf (signal: string, playlist: MasterPlaylist | MediaPlaylist, learnedFrom: string): SignalLayout {
  if (playlist.kind === 'media') return { renditions: [{ key: SIGNAL_LEVEL, playlistPath: `${signal}/playlist.m3u8` }], learnedFrom }
  const variants = playlist.variants.filter((v) => renditionOfVariant(v) !== undefined)
  return {
    renditions: variants.map((v) => ({ key: renditionOfVariant(v) as string, playlistPath: `${signal}/${v.uri}` })),
    master: { ...playlist, variants },
    learnedFrom
  }
}

/** Pure: the same renditions at the same paths (what the output timeline is locked to). */
export function sameRenditions (a: SignalLayout, b: SignalLayout): boolean {
  return a.renditions.length === b.renditions.length && a.renditions.every((r, i) => r.key === b.renditions[i]?.key && r.playlistPath === b.renditions[i]?.playlistPath)
}

export interface LayoutDeps {
  readonly client: UpstreamClient
  readonly metrics: OriginMetrics
  readonly log: Logger
  readonly parseLimits: ParseLimits
}

/**
 * Learns a signal's layout from the first packager, in the order given, whose entry playlist
 * parses AND whose every rendition it names answers a valid media playlist from that same
 * packager. A packager that names renditions it cannot serve (an impostor on its port, a worker
 * half set up) is passed over rather than believed, so one bad answer at start cannot take the
 * signal down. Undefined when none qualifies yet.
 */
export async function learnLayout (signal: string, sources: readonly string[], deps: LayoutDeps, isClosed: () => boolean): Promise<SignalLayout | undefined> {
  for (const base of sources) {
    if (isClosed()) return undefined
    const result = await deps.client.get(`${base}/${signal}/playlist.m3u8`)
    deps.metrics.upstreamFetches.inc({ packager: base, kind: 'master', result: result.ok ? 'ok' : result.failure })
    if (!result.ok) continue
    const parsed = parsePlaylist(result.body.toString('utf8'), deps.parseLimits)
    if (!parsed.ok) {
      deps.log.warn({ packager: base, reason: parsed.reason }, 'packager serves a malformed entry playlist')
      continue
    }
    const layout = layoutOf(signal, parsed.playlist, base)
    if (layout.renditions.length === 0) {
      deps.log.warn({ packager: base }, 'packager serves an entry playlist with no rendition we can follow')
      continue
    }
    const missing = parsed.playlist.kind === 'media' ? undefined : await firstUnservedRendition(base, layout, deps)
    if (missing !== undefined) {
      deps.log.warn({ packager: base, rendition: missing.key, reason: missing.reason }, 'packager names a rendition it does not serve; not learning the ladder from it')
      continue
    }
    return layout
  }
  return undefined
}

async function firstUnservedRendition (base: string, layout: SignalLayout, deps: LayoutDeps): Promise<{ key: string, reason: string } | undefined> {
  for (const rendition of layout.renditions) {
    const result = await deps.client.get(`${base}/${rendition.playlistPath}`)
    deps.metrics.upstreamFetches.inc({ packager: base, kind: 'playlist', result: result.ok ? 'ok' : result.failure })
    if (!result.ok) return { key: rendition.key, reason: result.detail }
    const parsed = parseMediaPlaylist(result.body.toString('utf8'), deps.parseLimits)
    if (!parsed.ok) return { key: rendition.key, reason: `malformed: ${parsed.reason}` }
  }
  return undefined
}
