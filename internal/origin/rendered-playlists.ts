import { skippableSegments } from '../hls/delta-update.js'
import { serializeMediaPlaylist } from '../hls/playlist-serializer.js'
import { timelinePlaylist } from '../hls/signal-timeline.js'
import type { TimelineOptions, TimelineState } from '../hls/timeline-state.js'
import { positionOf } from './msn-waiters.js'
import { serverControl } from './output-window.js'
import { canSkipUntil } from '../hls/ll-server-control.js'

/**
 * A signal's output media playlists as bytes, rendered once per timeline change and written as
 * they are to every player: the whole playlist, the delta update (LL-HLS), and how far each
 * rendition has got (playlistPosition), for the requests held until it gets further.
 */
export class RenderedPlaylists {
  readonly #bodies = new Map<string, Buffer>()
  readonly #deltas = new Map<string, Buffer>()
  readonly #positions = new Map<string, number>()

  get size (): number { return this.#bodies.size }

  /** Renders every rendition; returns each one's position. */
  render (timeline: TimelineState, renditions: readonly string[], fallbackTargetDurationS: number, options: Pick<TimelineOptions, 'version'>): Map<string, number> {
    const td = timeline.targetDuration ?? fallbackTargetDurationS
    const control = serverControl(td, timeline.partTarget)
    for (const key of renditions) {
      // relative segment URIs: a player fetches them from the edge (or origin) that served the
      // playlist, and replicas with the same timeline write the same bytes
      const playlist = timelinePlaylist(timeline, key, options)
      if (playlist === undefined) continue
      this.#bodies.set(key, Buffer.from(serializeMediaPlaylist(playlist, { serverControl: control })))
      const skip = timeline.partTarget === undefined ? 0 : skippableSegments(playlist, canSkipUntil(td))
      if (skip > 0) this.#deltas.set(key, Buffer.from(serializeMediaPlaylist(playlist, { serverControl: control, skipSegments: skip })))
      else this.#deltas.delete(key)
      this.#positions.set(key, positionOf(playlist))
    }
    return this.#positions
  }

  /** The playlist of a rendition; with `delta`, its delta update when there is one. */
  body (key: string, delta = false): Buffer | undefined {
    return (delta ? this.#deltas.get(key) : undefined) ?? this.#bodies.get(key)
  }

  /** How far a rendition has got; -1 before its first render. */
  position (key: string): number {
    return this.#positions.get(key) ?? -1
  }
}
