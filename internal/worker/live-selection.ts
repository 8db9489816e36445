/**
 * Which picture each MSN of a push stream shows: live from a publish session, or the slate. Pure:
 * a function of what the encoders have finished, the shared anchors and `now`, so every worker of
 * a stream, seeing the same publish, decides the same MSNs the same way, and puts its switches
 * (and their EXT-X-DISCONTINUITY) at the same MSNs in every rendition.
 */

/** What one live run (one ffmpeg pulling one publish session) has finished, in every rendition. */
export interface LiveRunView {
  readonly session: string
  /** First MSN this run may give: earlier ones may hold padding from before its first keyframe. */
  readonly firstEligibleMsn: number
  /** MSNs finished in every rendition at full length. */
  readonly ready: ReadonlySet<number>
  /** A run that was replaced (its pull restarted): it gives what it finished and is never waited for. */
  readonly ended?: boolean
}

export interface SelectionInputs {
  readonly now: number
  readonly segmentMs: number
  /** How long after its end an MSN waits for live before the slate fills it. */
  readonly graceMs: number
  /** Live runs, the preferred publish first (main before backup). */
  readonly runs: readonly LiveRunView[]
  /** MSNs the slate has finished in every rendition. */
  readonly slate: ReadonlySet<number>
  /** A usable publish is known but nothing has been shown yet: wait for live rather than open on the slate. */
  readonly awaitingFirstLive: boolean
  /** The newest MSNs kept: a worker that fell further behind than this jumps ahead. */
  readonly window: number
}

export type SegmentSource = 'slate' | `live:${string}`

export interface SelectionState {
  /** Next MSN to decide; undefined before the first. */
  readonly next: number | undefined
  readonly last: SegmentSource | undefined
  /** MSNs were skipped: the next decision carries a discontinuity whatever its source. */
  readonly skipped: boolean
}

export interface Decision {
  readonly msn: number
  readonly source: SegmentSource
  readonly discontinuity: boolean
}

export const INITIAL_SELECTION: SelectionState = Object.freeze({ next: undefined, last: undefined, skipped: false })

/**
 * The first MSN a live run may give. Until its first picture arrives it has none, and fps repeats
 * that picture back to the run's start: those segments are frozen. The picture comes after the
 * connect (PULL_START_MS), the publisher's next keyframe (at most KEYFRAME_MS: keep the keyframe
 * interval at most 2 s) and, on the grid, the anchor probe's own delay (probeMs) later still.
 */
export function firstEligibleMsn (runStartMsn: number, anchor: { readonly epoch_ms: number, readonly probe_ms: number }, segmentMs: number, learnMs: number): number {
  // every worker learns of an anchor within learnMs and starts on the next boundary; counting from
  // the anchor rather than from its own start makes them all open live on the same MSN
  const latestStart = Math.floor((anchor.epoch_ms + learnMs) / segmentMs) + 1
  const warmup = Math.ceil((PULL_START_MS + KEYFRAME_MS + anchor.probe_ms) / segmentMs)
  return Math.max(runStartMsn, latestStart) + warmup
}

const PULL_START_MS = 1000
const KEYFRAME_MS = 2000

function liveSource (session: string): SegmentSource {
  return `live:${session}`
}

/** The source MSN `msn` takes now, or undefined to wait. */
function choose (msn: number, inputs: SelectionInputs, deadlinePassed: boolean): SegmentSource | undefined {
  for (const run of inputs.runs) {
    if (msn < run.firstEligibleMsn) continue
    if (run.ready.has(msn)) return liveSource(run.session)
    if (run.ended === true) continue
    // a preferred run that should have it is waited for until the deadline, so no worker picks a
    // lesser source just because its copy happened to finish first
    if (!deadlinePassed) return undefined
  }
  if (!deadlinePassed) return undefined
  return inputs.slate.has(msn) ? 'slate' : undefined
}

/** Where to open: the first eligible live MSN, else (with no publish to wait for) the newest slate. */
function opening (inputs: SelectionInputs): number | undefined {
  const live = inputs.runs.flatMap((run) => [...run.ready].filter((msn) => msn >= run.firstEligibleMsn))
  if (live.length > 0) return Math.min(...live)
  if (inputs.awaitingFirstLive || inputs.slate.size === 0) return undefined
  return Math.max(...inputs.slate)
}

/**
 * Decides every MSN that can be decided now, in order. An MSN goes live as soon as the most
 * preferred run due to give it has; once its deadline (its end plus graceMs) has passed it takes
 * the best that is there, the slate last. Nothing there at all (the encoders fell behind) waits,
 * unless the worker fell a whole window behind: then it jumps, with a discontinuity.
 */
export function selectSegments (state: SelectionState, inputs: SelectionInputs): { state: SelectionState, decisions: Decision[] } {
  const decisions: Decision[] = []
  let next = state.next ?? opening(inputs)
  let last = state.last
  if (next === undefined) return { state, decisions }
  let skipped = state.skipped
  const nowMsn = Math.floor(inputs.now / inputs.segmentMs)
  if (nowMsn - next > inputs.window) {
    next = nowMsn - 1
    skipped = state.next !== undefined
  }
  for (;;) {
    const deadlinePassed = inputs.now >= (next + 1) * inputs.segmentMs + inputs.graceMs
    const source = choose(next, inputs, deadlinePassed)
    if (source === undefined) break
    decisions.push({ msn: next, source, discontinuity: skipped || (last !== undefined && last !== source) })
    skipped = false
    last = source
    next += 1
  }
  return { state: { next, last, skipped }, decisions }
}
