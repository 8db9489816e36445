/** What the status page and logs are told about one signal, read off its policy state. */
import { lastOutputMsn } from '../hls/signal-timeline.js'
import type { SignalPolicyState } from './signal-policy-state.js'

/** What the status page and logs need to know about one packager for this signal. */
export interface SourceStatus {
  readonly url: string
  readonly state: 'active' | 'standby' | 'down'
  readonly reason?: string
  readonly newestMsn?: number
  /** Epoch ms of its last good poll. */
  readonly lastOkAt?: number
}

/** SignalSession.status(): what the status page shows for one signal. */
export interface SignalStatus {
  readonly signal: string
  readonly renditions: string[]
  readonly lastMsn: number | undefined
  readonly sources: SourceStatus[]
  /** Epoch ms when the newest output segment was appended. */
  readonly lastAppendAt?: number
  readonly targetDurationS?: number
  /** Seconds of media in the output window, and the 3 target durations it must hold before players are offered it. */
  readonly window?: { readonly seconds: number, readonly needed: number }
}

export interface SignalStatusInputs {
  readonly signal: string
  readonly renditions: string[]
  readonly sources: readonly string[]
  readonly policy: SignalPolicyState
  /** Present once the signal has an output. */
  readonly window?: { readonly seconds: number, readonly needed: number }
}

export function signalStatus ({ signal, renditions, sources, policy, window }: SignalStatusInputs): SignalStatus {
  const { timeline } = policy
  return {
    signal,
    renditions,
    lastMsn: lastOutputMsn(timeline),
    ...(timeline.lastAppendAt === undefined ? {} : { lastAppendAt: timeline.lastAppendAt }),
    ...(timeline.targetDuration === undefined ? {} : { targetDurationS: timeline.targetDuration }),
    ...(window === undefined ? {} : { window }),
    sources: sources.map((url) => {
      const verdict = policy.verdicts[url]
      const entry = policy.health.sources[url]
      const state = verdict?.up !== true ? 'down' : url === policy.activeSource ? 'active' : 'standby'
      const reason = verdict?.reason
      return {
        url,
        state,
        ...(reason === undefined ? {} : { reason }),
        ...(entry?.newestMsn === undefined ? {} : { newestMsn: entry.newestMsn }),
        ...(entry?.lastOkAt === undefined ? {} : { lastOkAt: entry.lastOkAt })
      }
    })
  }
}
