import { Counter, Gauge, type Registry } from 'prom-client'

export interface WorkerMetrics {
  readonly restarts: Counter
  readonly speed: Gauge
  readonly lastMsn: Gauge<'rendition'>
  readonly ffmpegUp: Gauge
}

/** The worker's own series, registered on the service registry. */
export function createWorkerMetrics (registry: Registry): WorkerMetrics {
  return {
    restarts: new Counter({ name: 'worker_ffmpeg_restarts_total', help: 'ffmpeg deaths the supervisor restarted', registers: [registry] }),
    speed: new Gauge({ name: 'worker_encoder_speed', help: 'ffmpeg encoding speed from -progress (1 = real time)', registers: [registry] }),
    lastMsn: new Gauge({ name: 'worker_last_segment_msn', help: 'media sequence number of the newest published segment', labelNames: ['rendition'] as const, registers: [registry] }),
    ffmpegUp: new Gauge({ name: 'worker_ffmpeg_up', help: '1 while an ffmpeg process is running', registers: [registry] })
  }
}
