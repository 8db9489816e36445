/** The shell's side of the failover policy: each event it reports becomes metrics, a log line and a status-page entry. */
import type { Logger } from '../log/logger.js'
import type { FailoverLog } from './failover-log.js'
import type { OriginMetrics } from './origin-metrics.js'
import type { SignalEvent } from './signal-policy-state.js'

export interface SignalEventSinks {
  readonly signal: string
  readonly metrics: OriginMetrics
  readonly log: Logger
  readonly failoverLog?: FailoverLog
}

/** Records one event of advanceSignal at `now`; 'output-changed' and 'ladder-unserved' are the session's to act on. */
export function reportSignalEvent (event: SignalEvent, now: number, { signal, metrics, log, failoverLog }: SignalEventSinks): void {
  switch (event.kind) {
    case 'stitch':
      metrics.stitches.inc({ signal }, event.count)
      log.warn({ stitches: event.count, report: event.report }, 'stitched in a packager whose timeline did not line up (discontinuity)')
      failoverLog?.record({ at: now, signal, kind: 'stitch', reason: `${event.count} discontinuity inserted: a packager whose timeline did not line up` })
      return
    case 'gap':
      metrics.gaps.inc({ signal }, event.count)
      log.warn({ gaps: event.count, last: event.lastMsn }, 'no packager had a segment; listed it as EXT-X-GAP (the timeline lines up around it)')
      failoverLog?.record({ at: now, signal, kind: 'gap', reason: `${event.count} missing segment(s) listed as EXT-X-GAP: an encoder restarted on the epoch grid` })
      return
    case 'active-source':
      if (event.from !== undefined) {
        metrics.failovers.inc({ signal, from: event.from, to: event.to })
        metrics.activePackager.set({ signal, packager: event.from }, 0)
        log.warn({ from: event.from, to: event.to, reason: event.reason }, 'failover')
        failoverLog?.record({ at: now, signal, kind: 'failover', from: event.from, to: event.to, ...(event.reason === undefined ? {} : { reason: event.reason }) })
      }
      metrics.activePackager.set({ signal, packager: event.to }, 1)
      return
    case 'output-changed':
    case 'ladder-unserved':
      return
  }
}
