import { WITHHOLD, type LocalComponent } from './local-components.js'

/** Where `make run-local-ingest` keeps the stream definition it makes (with the key: readable by you only). */
export const INGEST_STREAMS_FILE = '.local/streams-ingest.json'

/** The ingest profile's SRT port for live01 (the port names the stream; its key is the passphrase). */
export const INGEST_SRT_PORT = 10080

/** The one stream of the ingest profile: `live01`, pushed with `key`, on two workers. */
export function ingestStreamsFile (key: string): string {
  return JSON.stringify({ streams: [{ name: 'live01', source: { push: true }, ladder: '720p:1280x720:3000,480p:854x480:1400,240p:426x240:400', segment_duration: 2, redundancy: 2, stream_key: key }] }, null, 2) + '\n'
}

/**
 * `make run-local-ingest`: the pipeline fed by a publisher. The ingest node (nginx with the RTMP
 * module on 1935, an SRT listener for live01 on 10080) checks the key with the reporter, two fleet workers pull the publish and encode
 * it on the epoch grid (the slate while nobody publishes), each into its own folder that its own
 * packager serves; discovery, the origin (8001) and the edges as in `make run-local`.
 */
export function ingestComponents (outputPath: string, run: (service: string) => Pick<LocalComponent, 'entry' | 'nodeArgs'>): LocalComponent[] {
  const root = `${outputPath}-ingest`
  const workers = [{ id: 'w1', packager: 'server1', port: 8080, metrics: 9464 }, { id: 'w2', packager: 'server2', port: 9090, metrics: 9465 }]
  return [
    { name: 'reporter', ...run('reporter'), env: { STREAMS_FILE: INGEST_STREAMS_FILE }, withhold: WITHHOLD.reporter },
    ...workers.map((w) => ({ name: w.packager, ...run('packager'), env: { PACKAGER_NAME: w.packager, PACKAGER_ROOT: `${root}/${w.id}` }, withhold: WITHHOLD.reader })),
    ...workers.map((w) => ({
      name: w.id,
      ...run('worker'),
      env: { WORKER_ID: w.id, OUTPUT_STREAM_PATH: `${root}/${w.id}`, WORKER_PACKAGER_URL: `http://localhost:${w.port}`, WORKER_METRICS_PORT: String(w.metrics) },
      withhold: WITHHOLD.worker
    })),
    { name: 'ingest', ...run('ingest'), env: { INGEST_ID: 'ingest1', INGEST_SRT: `live01:${INGEST_SRT_PORT}` }, withhold: WITHHOLD.ingest },
    { name: 'discovery', ...run('discovery'), env: { OUTPUT_STREAM_PATH: `${root}/discovery` }, withhold: WITHHOLD.discovery },
    { name: 'origin', ...run('origin'), env: {}, withhold: WITHHOLD.reader },
    { name: 'edges', ...run('edges'), env: {}, withhold: WITHHOLD.edges }
  ]
}
