/** One stub_status reading of an edge, with the probe requests the manager itself had sent it by then. */
export interface LoadSample {
  readonly at: number
  readonly requests: number
  /** Probe requests (health and status) sent to this edge so far, this status read included. */
  readonly ownRequests: number
}

/**
 * Pure: requests per second players made between two samples. The manager's own probes are taken
 * out, so an idle edge reads 0 rather than the probe rate. Undefined when the samples cannot be
 * compared: nginx restarted (counter went back) or no time passed.
 */
export function requestRate (previous: LoadSample, current: LoadSample): number | undefined {
  const seconds = (current.at - previous.at) / 1000
  if (seconds <= 0 || current.requests < previous.requests) return undefined
  const players = (current.requests - previous.requests) - (current.ownRequests - previous.ownRequests)
  return Math.max(0, players) / seconds
}
