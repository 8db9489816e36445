import { Counter, Gauge, type Registry } from 'prom-client'

/** Every series is labelled by signal: a worker encodes one stream or, assigned by the fleet, several. */
export interface WorkerMetrics {
  readonly restarts: Counter<'signal'>
  readonly speed: Gauge<'signal'>
  readonly lastMsn: Gauge<'signal' | 'rendition'>
  readonly ffmpegUp: Gauge<'signal'>
  /** Segments a dead run lost, by whether a catch-up run put them back (`caught_up`) or not (`lost`). */
  readonly catchUp: Counter<'signal' | 'outcome'>
  /** Push streams: switches between live and the slate, by what was switched to. */
  readonly sourceSwitches: Counter<'signal' | 'to'>
  /** Push streams: 1 while the slate is shown (no publish, or it dropped). */
  readonly publisherAway: Gauge<'signal'>
}

/** The worker's own series, registered on the service registry. */
export function createWorkerMetrics (registry: Registry): WorkerMetrics {
  const registers = [registry]
  return {
    restarts: new Counter({ name: 'worker_ffmpeg_restarts_total', help: 'ffmpeg deaths the supervisor restarted', labelNames: ['signal'] as const, registers }),
    speed: new Gauge({ name: 'worker_encoder_speed', help: 'ffmpeg encoding speed from -progress (1 = real time)', labelNames: ['signal'] as const, registers }),
    lastMsn: new Gauge({ name: 'worker_last_segment_msn', help: 'media sequence number of the newest published segment', labelNames: ['signal', 'rendition'] as const, registers }),
    ffmpegUp: new Gauge({ name: 'worker_ffmpeg_up', help: '1 while an ffmpeg process is running', labelNames: ['signal'] as const, registers }),
    catchUp: new Counter({ name: 'worker_lost_segments_total', help: 'segments a dead ffmpeg run lost: caught_up (re-encoded and published) or lost (players see a gap)', labelNames: ['signal', 'outcome'] as const, registers }),
    sourceSwitches: new Counter({ name: 'worker_source_switches_total', help: 'push streams: switches to the slate (publisher away) and back to live', labelNames: ['signal', 'to'] as const, registers }),
    publisherAway: new Gauge({ name: 'worker_publisher_away', help: 'push streams: 1 while the slate is shown', labelNames: ['signal'] as const, registers })
  }
}

/** Drops a stopped stream's series, so a scrape shows only the streams the worker encodes. */
export function forgetSignal (metrics: WorkerMetrics, signal: string, renditions: readonly string[]): void {
  metrics.restarts.remove({ signal })
  metrics.speed.remove({ signal })
  metrics.ffmpegUp.remove({ signal })
  for (const rendition of renditions) metrics.lastMsn.remove({ signal, rendition })
  for (const to of ['slate', 'live']) metrics.sourceSwitches.remove({ signal, to })
  for (const outcome of ['caught_up', 'lost']) metrics.catchUp.remove({ signal, outcome })
}
