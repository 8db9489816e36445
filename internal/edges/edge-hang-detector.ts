/**
 * Telling a hung edge from a loaded one, and what to do about it: pure, `now` is a parameter.
 *
 * A hang probe asks an edge's health location (answered by nginx itself, no upstream) once per
 * round, one request at a time, and keeps waiting for a late answer. An edge is hung when a probe
 * has stayed unanswered through `silentRounds` rounds in a row. Any answer, however late and whatever
 * its status, resets that: a loaded edge that answers is not hung. A refused or reset connection
 * is not a hang either (the process is gone or not listening: the liveness check replaces it).
 */

export interface HangPolicy {
  /** One probe round, in ms. */
  readonly roundMs: number
  /** Rounds in a row a probe may stay unanswered; at this many the edge is hung. */
  readonly silentRounds: number
}

export interface HangState {
  /** When the oldest probe still unanswered was sent; undefined while nothing is awaited. */
  readonly waitingSince: number | undefined
  /** Rounds judged in a row while a probe sent in an earlier round was unanswered. */
  readonly silentRounds: number
  /** When the last round was judged: a late round means the manager itself stalled. */
  readonly lastRoundAt: number | undefined
}

export const INITIAL_HANG_STATE: HangState = Object.freeze({ waitingSince: undefined, silentRounds: 0, lastRoundAt: undefined })

/** How a probe ended: an HTTP answer (any status), a refused/reset connection, or given up unanswered. */
export type ProbeOutcome = 'answered' | 'refused' | 'unanswered'

export type HangVerdict = 'answering' | 'waiting' | 'hung'

export interface HangJudgement {
  readonly state: HangState
  readonly verdict: HangVerdict
  /** How long the oldest unanswered probe has waited (0 while nothing is awaited). */
  readonly silentMs: number
}

/** A probe went out; the silence counts from the first probe after the last answer. */
export function probeSent (state: HangState, now: number): HangState {
  return state.waitingSince === undefined ? { ...state, waitingSince: now } : state
}

/** A probe ended. Only an answer or a refusal ends the silence; a probe given up on does not. */
export function probeEnded (state: HangState, outcome: ProbeOutcome): HangState {
  return outcome === 'unanswered' ? state : { ...state, waitingSince: undefined, silentRounds: 0 }
}

/**
 * Judges one round (call it before sending the round's probe). Rounds are counted, not
 * milliseconds, so timer jitter cannot judge early. A round that comes more than two rounds after
 * the previous one means the manager's own event loop stalled: answers may be sitting unread in
 * its sockets, so that round does not count (the next one, a round later, does).
 */
export function judgeHang (policy: HangPolicy, state: HangState, now: number): HangJudgement {
  const stalled = state.lastRoundAt !== undefined && now - state.lastRoundAt > 2 * policy.roundMs
  if (state.waitingSince === undefined || now <= state.waitingSince) {
    return { state: { ...state, lastRoundAt: now }, verdict: 'answering', silentMs: 0 }
  }
  const silentRounds = stalled ? state.silentRounds : state.silentRounds + 1
  return {
    state: { ...state, silentRounds, lastRoundAt: now },
    verdict: silentRounds >= policy.silentRounds ? 'hung' : 'waiting',
    silentMs: now - state.waitingSince
  }
}

/** The order a replacement takes: the replacement first (the default), or the hung edge killed first (the old order). */
export type ReplaceOrder = 'start-first' | 'kill-first'

/**
 * What to do with an edge judged hung or unhealthy:
 * - `start-beside`: start the replacement on the same port (reuseport) while the old one still holds
 *   it, wait for the replacement to answer, then kill the old one. No connection is ever refused.
 * - `kill-then-start`: kill it, then start the replacement on the freed port (refuses connections
 *   until the new nginx binds).
 * - `kill-only`: a draining edge is on its way out and is not replaced.
 * - `replace-dead`: its master or watchdog is gone after all: the liveness path replaces it, and
 *   lets an orphaned worker serve until the replacement is up.
 */
export type ReplacePlan = 'start-beside' | 'kill-then-start' | 'kill-only' | 'replace-dead'

export function planReplacement (order: ReplaceOrder, edge: { readonly draining: boolean, readonly running: boolean }): ReplacePlan {
  if (!edge.running) return 'replace-dead'
  if (edge.draining) return 'kill-only'
  return order === 'kill-first' ? 'kill-then-start' : 'start-beside'
}
