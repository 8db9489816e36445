import { boundaryMs, nextBoundary, type Boundary } from './epoch-clock.js'
import type { PartGrid } from './part-cutter.js'

/**
 * A dead run left more than this unfinished (a hung encoder, a crash loop that backed off): the new
 * run starts on the next boundary. Its pre-roll and this much, read at a few times real time, take
 * a few seconds; players past their hold-back by then have moved on over the gap.
 */
export const MAX_CATCH_UP_SECONDS = 6

/** Where a CMAF run starts, and what its start does to the segments a dead run left unfinished. */
export interface CmafRunPlan {
  /** The run's epoch arithmetic starts here: its pre-roll ends, its parts are cut from here. */
  readonly boundary: Boundary
  /** Segments before the next boundary that the run re-encodes (a dead run's unfinished ones). */
  readonly caughtUpSegments: number
  /** Segments a dead run left unfinished that no run will finish: players see a gap. */
  readonly lostSegments: number
}

/**
 * Pure: where the next CMAF run starts, given the frontier (global index of the first part no run
 * has cut yet, undefined before any part) and the wall clock. A run reads the loop unpaced and the
 * worker holds each part until its end time, so a run may start in the past: from the segment the
 * frontier falls in, it re-encodes what the dead run did not finish, and cuts the same bytes.
 * Past MAX_CATCH_UP_SECONDS unfinished, or with catch-up off, it starts on the next boundary and
 * the unfinished segments stay a gap.
 */
export function planCmafRun (frontier: number | undefined, nowMs: number, grid: PartGrid, catchUp: boolean): CmafRunPlan {
  const segmentSeconds = grid.segmentMs / 1000
  const partsPerSegment = grid.segmentMs / grid.partMs
  const next = nextBoundary(nowMs, segmentSeconds)
  if (frontier === undefined) return { boundary: next, caughtUpSegments: 0, lostSegments: 0 }
  const msn = Math.floor(frontier / partsPerSegment)
  const resume = { boundary: { msn, t0Ms: boundaryMs(msn, segmentSeconds) }, caughtUpSegments: 0, lostSegments: 0 }
  // the dead run had read past the next boundary: nothing is late yet
  if (msn >= next.msn) return resume
  const unfinished = next.msn - msn
  if (!catchUp || unfinished * segmentSeconds > MAX_CATCH_UP_SECONDS) return { boundary: next, caughtUpSegments: 0, lostSegments: unfinished }
  return { ...resume, caughtUpSegments: unfinished }
}
