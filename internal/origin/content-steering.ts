import type { MasterPlaylist } from '../hls/master-playlist.js'
import type { OriginPathway } from './origin-pathways.js'

/** `/<signal>/steering.json` on every replica: the steering manifest, the same from each. */
export const STEERING_NAME = 'steering.json'

/**
 * How long a player keeps a steering answer (seconds) before asking again. Short, because
 * video.js (VHS) leaves a dead pathway only when a steering answer arrives: it drops the pathway
 * whose every variant failed from its own list, but switches on the next answer, not at once (and
 * takes the dead pathway back one TTL later, so it returns there until the answer ranks it last).
 * One small JSON request per viewer every 2 s, answered from memory.
 */
export const STEERING_TTL_S = 2

/**
 * The steering server the multivariant playlist names: the manifest on the last (least preferred)
 * replica. Players play the first pathway and ask the last one for steering, so when the replica
 * they play from dies, the steering server is still up and their next poll moves them (VHS needs
 * that answer; a SERVER-URI relative to the entry URL would die with the replica that served it).
 */
export function steeringServerUri (signal: string, pathways: readonly OriginPathway[]): string | undefined {
  const last = pathways[pathways.length - 1]
  return last === undefined ? undefined : `${last.url}/${signal}/${STEERING_NAME}`
}

/**
 * Pure: the multivariant playlist with the ladder once per origin replica, each copy a Content
 * Steering pathway with absolute URIs on its replica. A player (hls.js, Shaka, VHS, AVPlayer) plays
 * one pathway; when that replica stops answering, it moves every level to the next pathway instead
 * of failing. Each variant keeps its attributes (same BANDWIDTH, RESOLUTION, CODECS) on every
 * pathway: Shaka merges the copies into one stream with one URI per pathway. The same on every
 * replica for the same config, so replicas serve it byte-identical.
 */
export function steeredMaster (master: MasterPlaylist, signal: string, pathways: readonly OriginPathway[]): MasterPlaylist {
  const first = pathways[0]
  const serverUri = steeringServerUri(signal, pathways)
  if (first === undefined || serverUri === undefined) return master
  return {
    ...master,
    contentSteering: { serverUri, pathwayId: first.id },
    variants: pathways.flatMap((p) => master.variants.map((v) => ({ ...v, uri: `${p.url}/${signal}/${v.uri}`, pathwayId: p.id })))
  }
}

/** Whether a replica answers: `GET <url>/healthz` within half a second. */
async function probeHealthz (url: string): Promise<boolean> {
  const res = await fetch(`${url}/healthz`, { signal: AbortSignal.timeout(500) })
  await res.body?.cancel()
  return res.ok
}

/**
 * Which origin replicas this origin could reach lately. Probed on demand, when a steering answer
 * is asked for and the last probe of that replica is older than `everyMs`: at most one probe per
 * replica per second however many players ask, no timer and nothing to close (a probe ends within
 * its timeout). Until a first probe has answered, every replica counts as reachable.
 */
export class PathwayReachability {
  private readonly state = new Map<string, { down: boolean, checkedAt: number, inFlight: boolean }>()

  constructor (
    private readonly probe: (url: string) => Promise<boolean> = probeHealthz,
    private readonly everyMs = 1000,
    private readonly now: () => number = Date.now
  ) {}

  /** The ids of the replicas whose last probe failed; starts a probe of any not checked lately. */
  unreachable (pathways: readonly OriginPathway[]): Set<string> {
    const down = new Set<string>()
    for (const p of pathways) {
      let s = this.state.get(p.url)
      if (s === undefined) {
        s = { down: false, checkedAt: -Infinity, inFlight: false }
        this.state.set(p.url, s)
      }
      if (!s.inFlight && this.now() - s.checkedAt >= this.everyMs) {
        const entry = s
        entry.inFlight = true
        void this.probe(p.url).then((ok) => { entry.down = !ok }, () => { entry.down = true }).finally(() => {
          entry.inFlight = false
          entry.checkedAt = this.now()
        })
      }
      if (s.down) down.add(p.id)
    }
    return down
  }
}

/** The origin's own view of its peers, used by the steering route (which passes only the pathways). */
const reachability = new PathwayReachability()

/**
 * The steering manifest (RFC 8216bis appendix / HLS Content Steering 1.2): the configured order,
 * with the pathways in `unreachable` (replicas the answering origin cannot reach) moved last, so a
 * player that re-admits a failed pathway after a TTL (VHS does) is not sent back to a dead replica.
 * By default `unreachable` is this origin's latest probes of its peers.
 */
export function steeringManifest (pathways: readonly OriginPathway[], unreachable: ReadonlySet<string> = reachability.unreachable(pathways)): { VERSION: 1, TTL: number, 'PATHWAY-PRIORITY': string[] } {
  const ids = pathways.map((p) => p.id)
  return { VERSION: 1, TTL: STEERING_TTL_S, 'PATHWAY-PRIORITY': [...ids.filter((id) => !unreachable.has(id)), ...ids.filter((id) => unreachable.has(id))] }
}
