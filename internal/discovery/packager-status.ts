import type { PackagerStatus } from '../reporter/report-schema.js'
import type { PlaylistProbe } from './packager-probe.js'
import type { Progress } from './progress-tracker.js'

/**
 * One packager's line in a report. Healthy only when the healthcheck passed, the playlist was
 * valid and it is still advancing; the first failing check is the reason.
 */
export function packagerStatus (
  url: string, healthReason: string | undefined, probe: PlaylistProbe, progress: Progress | undefined, now: number
): PackagerStatus {
  const position = probe.ok && progress !== undefined
    ? {
        media_sequence: probe.position.mediaSequence,
        last_change: new Date(progress.lastChange).toISOString(),
        playlist_age_ms: Math.max(0, now - progress.lastChange)
      }
    : {}
  const reason = healthReason ?? (!probe.ok ? probe.reason : progress?.stale === true ? 'stale' : 'ok')
  return { url, healthy: reason === 'ok', reason, ...position }
}
