/**
 * How far ahead of the wall clock every rendition of a CMAF run cuts parts before the worker stops
 * reading its pipes (ffmpeg then blocks on a full pipe). It is what a restart always has to
 * re-encode its pre-roll and the dead run's unfinished segment in before the held parts run out:
 * ffmpeg 5.1 read the default ladder's 3 s pre-roll and 1 s segment at about 4.8x on 2 idle cores,
 * under 1 s, plus its start. It also absorbs CPU spikes: a part is late only if ffmpeg falls this
 * far behind. What the pipes hold comes on top (64 KiB is seconds of a low-bitrate track): a run
 * of two small rungs was 2 to 5 s ahead.
 */
export const READ_AHEAD_MS = 2000

/**
 * No rendition gets further ahead than this, even while another lags (a pipe holds seconds of a
 * low-bitrate track, so renditions are cut unevenly): it bounds the parts held in memory.
 */
export const MAX_AHEAD_MS = 15_000

export interface PaceDecision {
  /** Stop reading the run's pipes: it has cut far enough ahead. */
  readonly pause: boolean
  /** When to look again (a held part falls due, or the run may read again); undefined: at the next part. */
  readonly wakeAtMs: number | undefined
}

/** Where a run's renditions have cut to: the end of the newest part of the slowest and of the fastest. */
export interface CutEnds {
  readonly slowestMs: number
  readonly fastestMs: number
}

/**
 * Pure: whether a run reads on, given where its renditions have cut to and the end of the earliest
 * part still held back. The slowest rendition sets the pace, so none runs out while another waits.
 */
export function paceRun (nowMs: number, cut: CutEnds | undefined, earliestHeldEndMs: number | undefined, readAheadMs = READ_AHEAD_MS): PaceDecision {
  const resumeAtMs = cut === undefined ? undefined : Math.max(cut.slowestMs - readAheadMs, cut.fastestMs - MAX_AHEAD_MS)
  const pause = resumeAtMs !== undefined && resumeAtMs > nowMs
  const wakes = [earliestHeldEndMs, pause ? resumeAtMs : undefined].filter((ms) => ms !== undefined)
  return { pause, wakeAtMs: wakes.length === 0 ? undefined : Math.min(...wakes) }
}
