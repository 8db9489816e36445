import type { PlayerReport, PlayerSample } from '../chaos/hls-player.js'
import { LL_VARIABLES } from '../../internal/local/local-components.js'
import { waitFor } from './wait-for.js'

/** LL mode as `make run-local-ll` runs it. */
export const LL_ENV = LL_VARIABLES

/** hls.js in low-latency mode, as the status page's player runs it (assets/status/status.js). */
export const HLSJS_LL_CONFIG: Readonly<Record<string, unknown>> = Object.freeze({ lowLatencyMode: true, maxLiveSyncPlaybackRate: 1.5 })

/** Waits until the origin serves `entry` and offers its edges in it (a PATHWAY-ID), so players go through an edge. */
export async function waitForEdgeOffered (entry: string): Promise<void> {
  await waitFor('the origin to serve live01', async () => (await fetch(entry)).status === 200, { timeoutMs: 60_000 })
  await waitFor('an edge to be offered', async () => (await (await fetch(entry)).text()).includes('PATHWAY-ID'), { timeoutMs: 30_000 })
}

/** The viewer's latency in a time range: wall clock minus the PROGRAM-DATE-TIME on screen, seconds. */
export function latencies (samples: readonly PlayerSample[], from = 0, to = Number.POSITIVE_INFINITY): number[] {
  return samples.filter((s) => s.at >= from && s.at < to && s.pdtLatency !== null && !s.paused).map((s) => s.pdtLatency as number)
}

export function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted.length === 0 ? Number.NaN : sorted[Math.floor(sorted.length / 2)] as number
}

/** The first time at or after `from` from which latency stays under `limitS` until `to` (undefined: never). */
export function backUnderAt (samples: readonly PlayerSample[], from: number, to: number, limitS: number): number | undefined {
  const window = samples.filter((s) => s.at >= from && s.at < to && s.pdtLatency !== null)
  let since: number | undefined
  for (const s of window) {
    if ((s.pdtLatency as number) < limitS) since ??= s.at
    else since = undefined
  }
  return since
}

export function llSummary (p: PlayerReport): string {
  return JSON.stringify({
    stalls: p.stalls,
    fatal: p.errors.filter((e) => e.fatal).length,
    nonFatal: p.errors.filter((e) => !e.fatal).map((e) => `${e.details}${e.code == null ? '' : ` ${e.code}`}`).slice(0, 6),
    httpErrors: p.httpErrors.slice(0, 4),
    playlistRequests: p.playlistRequests,
    levelSwitches: p.samples.reduce((n, s, i) => n + (i > 0 && s.level !== p.samples[i - 1]?.level ? 1 : 0), 0),
    medianLatency: Number(median(latencies(p.samples)).toFixed(2))
  })
}
