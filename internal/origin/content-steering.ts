import type { MasterPlaylist } from '../hls/master-playlist.js'
import type { OriginPathway } from './origin-pathways.js'

/** Relative to the multivariant playlist: `/<signal>/steering.json` on the replica that served it. */
export const STEERING_NAME = 'steering.json'

/** How long a player keeps a steering answer (seconds) before asking again. */
export const STEERING_TTL_S = 30

/**
 * Pure: the multivariant playlist with the ladder once per origin replica, each copy a Content
 * Steering pathway with absolute URIs on its replica. A player (hls.js, AVPlayer) plays one
 * pathway; when that replica stops answering, it moves every level to the next pathway instead of
 * failing. The same on every replica for the same config, so replicas serve it byte-identical.
 */
export function steeredMaster (master: MasterPlaylist, signal: string, pathways: readonly OriginPathway[]): MasterPlaylist {
  const first = pathways[0]
  if (first === undefined) return master
  return {
    ...master,
    contentSteering: { serverUri: STEERING_NAME, pathwayId: first.id },
    variants: pathways.flatMap((p) => master.variants.map((v) => ({ ...v, uri: `${p.url}/${signal}/${v.uri}`, pathwayId: p.id })))
  }
}

/** The steering manifest (RFC 8216bis appendix / HLS Content Steering 1.2): the configured order. */
export function steeringManifest (pathways: readonly OriginPathway[]): { VERSION: 1, TTL: number, 'PATHWAY-PRIORITY': string[] } {
  return { VERSION: 1, TTL: STEERING_TTL_S, 'PATHWAY-PRIORITY': pathways.map((p) => p.id) }
}
