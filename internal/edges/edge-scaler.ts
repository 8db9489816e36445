/** How the edge count follows load. */
export interface ScalePolicy {
  readonly min: number
  readonly max: number
  /** Requests per second one edge should serve. */
  readonly targetRps: number
  /** Consecutive checks with mean load above target before scaling up. */
  readonly upAfterChecks: number
  /** Consecutive checks where one edge fewer would still sit below downRatio x target before scaling down. */
  readonly downAfterChecks: number
  readonly downRatio: number
  /** No load-driven change this soon after the previous one. */
  readonly cooldownMs: number
}

/** What the scaler remembers between checks; start from INITIAL_SCALER_STATE. */
export interface ScalerState {
  readonly above: number
  readonly below: number
  readonly lastChangeAt: number | undefined
}

export const INITIAL_SCALER_STATE: ScalerState = Object.freeze({ above: 0, below: 0, lastChangeAt: undefined })

export interface ScaleInput {
  readonly now: number
  /** Edges that count towards capacity (serving or starting, not draining). */
  readonly count: number
  /** Requests per second over every edge, draining ones included: that load has to go somewhere. */
  readonly totalRps: number
}

export type ScaleReason = 'below-min' | 'above-max' | 'load-high' | 'load-low' | 'cooldown' | 'at-bound' | 'steady'

export interface ScaleDecision {
  readonly desired: number
  readonly reason: ScaleReason
  readonly state: ScalerState
}

/**
 * Pure: given the policy, the last state and one measurement, how many edges there should be.
 * Up needs the mean above target for `upAfterChecks` checks in a row and jumps to the count that
 * brings the mean to target; down needs one edge fewer to stay well below target (`downRatio`)
 * for `downAfterChecks` checks and removes one edge. The gap between the two thresholds, the
 * counters and the cooldown are what keep a load near the target from flapping the count.
 */
export function decideScale (policy: ScalePolicy, state: ScalerState, input: ScaleInput): ScaleDecision {
  const { count, totalRps, now } = input
  if (count < policy.min) return { desired: policy.min, reason: 'below-min', state: { ...state, above: 0, below: 0 } }
  if (count > policy.max) return { desired: policy.max, reason: 'above-max', state: { ...state, above: 0, below: 0 } }
  const load = Math.max(0, totalRps)
  const mean = load / count
  const above = mean > policy.targetRps ? state.above + 1 : 0
  const below = count > policy.min && load / (count - 1) < policy.downRatio * policy.targetRps ? state.below + 1 : 0
  const next: ScalerState = { above, below, lastChangeAt: state.lastChangeAt }
  const wantsUp = above >= policy.upAfterChecks
  const wantsDown = below >= policy.downAfterChecks
  if (!wantsUp && !wantsDown) return { desired: count, reason: 'steady', state: next }
  if (wantsUp && count >= policy.max) return { desired: count, reason: 'at-bound', state: next }
  if (state.lastChangeAt !== undefined && now - state.lastChangeAt < policy.cooldownMs) {
    return { desired: count, reason: 'cooldown', state: next }
  }
  const changed: ScalerState = { above: 0, below: 0, lastChangeAt: now }
  if (wantsUp) {
    const enough = Math.ceil(load / policy.targetRps)
    return { desired: Math.min(policy.max, Math.max(count + 1, enough)), reason: 'load-high', state: changed }
  }
  return { desired: count - 1, reason: 'load-low', state: changed }
}
