import type { LoadResult } from './packager-bench-processes.js'

/** One load run plus the server's CPU per request, as the side-by-side benches print it. */
export interface Measured extends LoadResult { readonly cpuUsPerRequest: number }

/** Rounds of one target folded into one row: rates and latencies averaged, failures summed. */
export function summarize (runs: readonly Measured[]): Measured {
  const mean = (pick: (r: Measured) => number): number => runs.reduce((sum, r) => sum + pick(r), 0) / runs.length
  const total = (pick: (r: Measured) => number): number => runs.reduce((sum, r) => sum + pick(r), 0)
  return {
    requestsPerSec: mean((r) => r.requestsPerSec),
    throughputMBps: mean((r) => r.throughputMBps),
    p50Ms: mean((r) => r.p50Ms),
    p99Ms: mean((r) => r.p99Ms),
    non2xx: total((r) => r.non2xx),
    errors: total((r) => r.errors),
    cpuUsPerRequest: mean((r) => r.cpuUsPerRequest)
  }
}
