import type { FleetEdge, ProbeFact } from './edge-fleet-state.js'
import type { EdgeHangWatch } from './edge-hang-watch.js'
import type { EdgeProber } from './edge-prober.js'
import type { EdgeSegmentCounter } from './edge-segment-counter.js'

export interface ProbeRoundOptions {
  readonly prober: EdgeProber
  readonly hangWatch: EdgeHangWatch
  readonly segments: EdgeSegmentCounter
  readonly probeTimeoutMs: number
  readonly probeUrl: (port: number) => string
}

/** One round's facts about every edge, probed at once: health, nginx's request total, the probes sent; segment counts on the way. */
export async function probeEdges (edges: readonly FleetEdge[], options: ProbeRoundOptions): Promise<ProbeFact[]> {
  const { prober, hangWatch, segments } = options
  return await Promise.all(edges.map(async (edge) => {
    const hangProbes = hangWatch.takeSent(edge.port)
    // the hang watch has awaited an answer for longer than this probe would: asking again would
    // only hold the round (and the queue a hang replacement waits on) for its whole timeout
    const silent = hangWatch.silentMs(edge.port) >= options.probeTimeoutMs
    const result = silent ? { healthy: false, status: undefined, requests: 0 } : await prober.probe(options.probeUrl(edge.port))
    const at = Date.now()
    await segments.count(edge.port)
    return { port: edge.port, healthy: result.healthy, requestsTotal: result.status?.requests, probeRequests: hangProbes + result.requests, at }
  }))
}
