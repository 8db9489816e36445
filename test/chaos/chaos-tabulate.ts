import type { WatcherReport } from '../support/playlist-watcher.js'
import type { FaultRow } from './chaos-table.js'
import type { FfmpegReport } from './ffmpeg-client.js'
import type { PlayerReport } from './hls-player.js'
import type { ChaosFault } from './outage-faults.js'
import type { PlaylistAgeSampler } from './playlist-age-sampler.js'

/**
 * One fault as it ran: its window [start, end) holds every event counted in its row.
 * `faultedHosts` (host:port) are the servers the fault itself took down: a client on one of them
 * learns of it by a failed request, so those failures are counted apart (the player must move on
 * without a stall), while a failure anywhere else still breaks the HTTP error cells.
 */
export interface FaultRun { readonly name: string, readonly informational: boolean, readonly control: boolean, readonly allowedStall?: ChaosFault['allowedStall'], readonly start: number, readonly recovered: number, end: number, readonly faultedHosts?: readonly string[] }

const hostOf = (url: string): string => { try { return new URL(url).host } catch { return '' } }

/**
 * Attributes every event to the fault whose window [start, end) holds it, sums players
 * (keeping each one's stalls and fatal errors), watchers and repeats; ffmpeg and the age sampler
 * are optional (the fleet phase runs neither).
 */
export function tabulate (runs: readonly FaultRun[], players: readonly PlayerReport[], labels: readonly string[], watchers: readonly WatcherReport[], ffmpeg: FfmpegReport | undefined, sampler: PlaylistAgeSampler | undefined): FaultRow[] {
  const byName = new Map<string, FaultRow>()
  for (const run of runs) {
    const inside = (at: number): boolean => at >= run.start && at < run.end
    const faulted = (e: { at: number, url: string }): boolean => inside(e.at) && (run.faultedHosts ?? []).includes(hostOf(e.url))
    const elsewhere = (e: { at: number, url: string }): boolean => inside(e.at) && !faulted(e)
    const stalls = players.flatMap((p) => p.stalls.filter((s) => inside(s.at)))
    const errors = players.flatMap((p) => p.errors.filter((e) => inside(e.at)))
    const row: FaultRow = {
      fault: run.name,
      informational: run.informational,
      control: run.control,
      ...(run.allowedStall === undefined ? {} : { allowedStall: run.allowedStall }),
      repeats: 1,
      stalls: stalls.length,
      stallS: stalls.reduce((sum, s) => sum + s.ms / 1000, 0),
      maxStallS: Math.max(0, ...stalls.map((s) => s.ms / 1000)),
      fatalErrors: errors.filter((e) => e.fatal).length,
      nonFatalErrors: errors.filter((e) => !e.fatal).length,
      playerHttpErrors: players.reduce((n, p) => n + p.httpErrors.filter(elsewhere).length, 0),
      watcherHttpErrors: watchers.reduce((n, w) => n + w.httpErrors.filter(elsewhere).length, 0),
      faultedHostErrors: players.reduce((n, p) => n + p.httpErrors.filter(faulted).length, 0) + watchers.reduce((n, w) => n + w.httpErrors.filter(faulted).length, 0),
      violations: watchers.reduce((n, w) => n + w.violations.filter((v) => inside(v.at)).length, 0),
      ffmpegWarnings: ffmpeg?.warnings.filter((w) => inside(w.at)).length ?? 0,
      tsGaps: ffmpeg?.gaps.filter((g) => inside(g.at)).length ?? 0,
      maxSegmentGapMs: sampler?.maxGapMs(run.start, run.end) ?? 0,
      byPlayer: Object.fromEntries(players.map((p, i) => [labels[i] ?? `#${i + 1}`, {
        stalls: p.stalls.filter((s) => inside(s.at)).length,
        fatalErrors: p.errors.filter((e) => e.fatal && inside(e.at)).length
      }]))
    }
    const prev = byName.get(run.name)
    byName.set(run.name, prev === undefined
      ? row
      : {
          ...prev,
          repeats: prev.repeats + 1,
          stalls: prev.stalls + row.stalls,
          stallS: prev.stallS + row.stallS,
          maxStallS: Math.max(prev.maxStallS ?? 0, row.maxStallS ?? 0),
          fatalErrors: prev.fatalErrors + row.fatalErrors,
          nonFatalErrors: prev.nonFatalErrors + row.nonFatalErrors,
          playerHttpErrors: prev.playerHttpErrors + row.playerHttpErrors,
          watcherHttpErrors: prev.watcherHttpErrors + row.watcherHttpErrors,
          faultedHostErrors: (prev.faultedHostErrors ?? 0) + (row.faultedHostErrors ?? 0),
          violations: prev.violations + row.violations,
          ffmpegWarnings: prev.ffmpegWarnings + row.ffmpegWarnings,
          tsGaps: prev.tsGaps + row.tsGaps,
          maxSegmentGapMs: Math.max(prev.maxSegmentGapMs, row.maxSegmentGapMs),
          byPlayer: Object.fromEntries(Object.entries(row.byPlayer ?? {}).map(([label, n]) => {
            const before = prev.byPlayer?.[label]
            return [label, { stalls: n.stalls + (before?.stalls ?? 0), fatalErrors: n.fatalErrors + (before?.fatalErrors ?? 0) }]
          }))
        })
  }
  return [...byName.values()]
}


/**
 * Runs one fault and times its row: from the injection to the undo (`recovered`), then 8 s more so
 * buffers refill and any late effect lands inside this row, not the next. A fault that throws is
 * said and still timed: its row shows what the players saw.
 */
export async function timeFault (name: string, inject: () => Promise<FaultEffect | undefined | void>, say: (line: string) => void): Promise<{ start: number, recovered: number, end: number, faultedHosts?: readonly string[] }> {
  const start = Date.now()
  say(`fault: ${name}`)
  let effect: FaultEffect | undefined | void
  try {
    effect = await inject()
  } catch (err) {
    say(`  the fault did not complete: ${err instanceof Error ? err.message : String(err)}`)
  }
  const recovered = Date.now()
  await new Promise((resolve) => setTimeout(resolve, 8000))
  return { start, recovered, end: Date.now(), ...(effect?.faultedHosts === undefined ? {} : { faultedHosts: effect.faultedHosts }) }
}

/** What a fault says it did: the servers (host:port) it took down, see FaultRun. */
export interface FaultEffect { readonly faultedHosts: readonly string[] }

/** CHAOS_REPEATS: how often each fault runs (default 2, 1 to 5). */
export function envRepeats (): number {
  const raw = process.env.CHAOS_REPEATS ?? ''
  const n = raw === '' ? 2 : Number(raw)
  if (!Number.isInteger(n) || n < 1 || n > 5) throw new Error(`CHAOS_REPEATS: must be a whole number from 1 to 5, got '${raw}'`)
  return n
}
