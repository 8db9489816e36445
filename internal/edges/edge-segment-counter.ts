import type { Logger } from '../log/logger.js'
import { CACHE_STATUSES, CacheLogReader } from './cache-log-reader.js'
import type { EdgeStateDir } from './edge-state-dir.js'
import type { EdgesMetrics } from './edges-metrics.js'

interface Counted {
  readonly id: string
  readonly reader: CacheLogReader
  failing: boolean
}

/** Adds what each edge's cache.log gained since the last round to edges_segments_served_total. */
export class EdgeSegmentCounter {
  readonly #dir: EdgeStateDir
  readonly #metrics: EdgesMetrics
  readonly #log: Logger
  readonly #edges = new Map<number, Counted>()

  constructor (dir: EdgeStateDir, metrics: EdgesMetrics, log: Logger) {
    this.#dir = dir
    this.#metrics = metrics
    this.#log = log
  }

  /** Starts counting the edge on `port`; an adopted edge's log was counted by the manager before us, up to a round ago. */
  add (port: number, id: string, adopted: boolean): void {
    this.#edges.set(port, { id, reader: new CacheLogReader(this.#dir.cacheLogPath(port), { skipExisting: adopted }), failing: false })
  }

  remove (port: number): void {
    this.#edges.delete(port)
  }

  async count (port: number): Promise<void> {
    const edge = this.#edges.get(port)
    if (edge === undefined) return
    try {
      const counts = await edge.reader.read()
      if (edge.failing) this.#log.info({ edge: edge.id }, 'edge cache.log readable again')
      edge.failing = false
      // no series for an edge forgotten while we read (close() waits for the round, but cheap to be sure)
      if (this.#edges.get(port) !== edge) return
      // inc by 0 too: every status has a series from the first round, so rate() sees 0, not absence
      for (const cache of CACHE_STATUSES) this.#metrics.segmentsServed.inc({ edge: edge.id, cache }, counts[cache])
    } catch (err) {
      if (!edge.failing) this.#log.warn({ err, edge: edge.id, path: edge.reader.path }, 'cannot read edge cache.log: its segment counts stand still')
      edge.failing = true
    }
  }
}
