import { WITHHOLD, type LocalComponent } from './local-components.js'

/** The local Redis of `make run-local-multi`: off 6379, where a system Redis may already run. */
export const MULTI_REDIS_PORT = 6390
const WORKERS = 4
const FIRST_PACKAGER_PORT = 8081
const FIRST_METRICS_PORT = 9471

/**
 * `make run-local-multi`: the fleet on one machine. A Redis registry (no persistence: the streams
 * come back from STREAMS_FILE), the reporter (and with it the assigner), four workers of capacity 3
 * (w4 takes only streams named `stage…`), each writing its own folder that its own packager serves,
 * discovery probing the packagers of each stream's workers, the origin and the edges. The four
 * streams of assets/streams-multi.json have a one-rung light ladder, so eight encodes fit 2 cores.
 */
export function multiComponents (outputPath: string, run: (service: string) => Pick<LocalComponent, 'entry' | 'nodeArgs'>): LocalComponent[] {
  const root = `${outputPath}-multi`
  const workers = Array.from({ length: WORKERS }, (_, i) => ({ id: `w${i + 1}`, packagerPort: FIRST_PACKAGER_PORT + i, metricsPort: FIRST_METRICS_PORT + i }))
  const packagerUrls = workers.map((w) => `http://localhost:${w.packagerPort}`).join(',')
  const registry = { REGISTRY_URL: `redis://127.0.0.1:${MULTI_REDIS_PORT}` }
  return [
    { name: 'redis', entry: 'redis-server', programArgs: ['--port', String(MULTI_REDIS_PORT), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], env: {}, withhold: WITHHOLD.reader },
    { name: 'reporter', ...run('reporter'), env: { ...registry, STREAMS_FILE: 'assets/streams-multi.json' }, withhold: WITHHOLD.reporter },
    ...workers.map((w) => ({
      name: `packager-${w.id}`,
      ...run('packager'),
      env: { PACKAGER_NAME: w.id, PACKAGER_PORT: String(w.packagerPort), PACKAGER_ROOT: `${root}/${w.id}` },
      withhold: WITHHOLD.reader
    })),
    ...workers.map((w, i) => ({
      name: w.id,
      ...run('worker'),
      env: {
        WORKER_ID: w.id,
        WORKER_CAPACITY: '3',
        OUTPUT_STREAM_PATH: `${root}/${w.id}`,
        WORKER_PACKAGER_URL: `http://localhost:${w.packagerPort}`,
        WORKER_METRICS_PORT: String(w.metricsPort),
        ...(i === WORKERS - 1 ? { STREAM_FILTER: '^stage' } : {})
      },
      withhold: WITHHOLD.worker
    })),
    // nothing is written on its disk: it probes the packagers of each stream's workers (GET /workers)
    { name: 'discovery', ...run('discovery'), env: { OUTPUT_STREAM_PATH: `${root}/discovery` }, withhold: WITHHOLD.discovery },
    { name: 'origin', ...run('origin'), env: { PACKAGER_ALLOWLIST: packagerUrls }, withhold: WITHHOLD.reader },
    { name: 'edges', ...run('edges'), env: {}, withhold: WITHHOLD.edges }
  ]
}
