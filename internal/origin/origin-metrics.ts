import { Counter, Gauge, type Registry } from 'prom-client'

/** What an operator asks of the origin at 3 a.m.: who is serving, how fresh, what failed. */
export function createOriginMetrics (registry: Registry) {
  const registers = [registry]
  return {
    failovers: new Counter({ name: 'origin_failovers_total', help: 'Times the packager new segments come from changed', labelNames: ['signal', 'from', 'to'] as const, registers }),
    stitches: new Counter({ name: 'origin_stitches_total', help: 'Discontinuities inserted to stitch in a packager whose timeline did not line up', labelNames: ['signal'] as const, registers }),
    gaps: new Counter({ name: 'origin_gap_segments_total', help: 'Segments no packager had, listed as EXT-X-GAP so the timeline goes on without a discontinuity', labelNames: ['signal'] as const, registers }),
    activePackager: new Gauge({ name: 'origin_active_packager', help: '1 for the packager new segments currently come from', labelNames: ['signal', 'packager'] as const, registers }),
    eligiblePackager: new Gauge({ name: 'origin_packager_eligible', help: '1 when the packager may provide new segments for the signal', labelNames: ['signal', 'packager'] as const, registers }),
    playlistAge: new Gauge({ name: 'origin_playlist_age_seconds', help: 'Seconds since the newest segment was appended to the output', labelNames: ['signal'] as const, registers }),
    lastMsn: new Gauge({ name: 'origin_last_media_sequence', help: 'Newest output media sequence number', labelNames: ['signal'] as const, registers }),
    playlistBuilds: new Counter({ name: 'origin_playlist_builds_total', help: 'Output playlists rendered (once per change, not per request)', labelNames: ['signal'] as const, registers }),
    upstreamFetches: new Counter({ name: 'origin_upstream_fetches_total', help: 'Fetches from packagers, by kind and result', labelNames: ['packager', 'kind', 'result'] as const, registers }),
    segmentsServed: new Counter({ name: 'origin_segments_served_total', help: 'Segments answered, by where the bytes came from', labelNames: ['source'] as const, registers }),
    signals: new Gauge({ name: 'origin_signals', help: 'Signals the origin is tracking', registers }),
    edges: new Gauge({ name: 'origin_edges', help: 'Live edges segment URIs are spread over', registers })
  }
}

export type OriginMetrics = ReturnType<typeof createOriginMetrics>
