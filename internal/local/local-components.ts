/** One process `make run-local` starts: a name for its log lines, its entrypoint and extra env. */
export interface LocalComponent {
  readonly name: string
  readonly entry: string
  readonly env: Readonly<Record<string, string>>
  /** Inherited variables removed before it starts: the reporter tokens of roles it does not play. */
  readonly withhold?: readonly string[]
}

const TOKENS = ['REPORTER_TOKEN', 'REPORTER_DISCOVERY_TOKEN', 'REPORTER_EDGES_TOKEN'] as const
/** Each writer keeps only its own token (and the shared fallback); readers get none. */
const WITHHOLD: Readonly<Record<'reporter' | 'discovery' | 'edges' | 'reader', readonly string[]>> = {
  reporter: [],
  discovery: ['REPORTER_EDGES_TOKEN'],
  edges: ['REPORTER_DISCOVERY_TOKEN'],
  reader: TOKENS
}

export const LOCAL_PROFILES = ['default', 'redundant', 'replicas'] as const
export type LocalProfile = typeof LOCAL_PROFILES[number]

/**
 * Every component, in start order: reporter and packagers first so the worker's first segments
 * and discovery's first report have somewhere to go.
 *
 * - default: one worker writes OUTPUT_STREAM_PATH; both packagers serve it.
 * - redundant: two epoch-locked workers, each feeding its own packager from its own folder
 *   (`<OUTPUT_STREAM_PATH>` and `<OUTPUT_STREAM_PATH>2`), so an encoder can die without a gap.
 * - replicas: the default plus a second origin on ORIGIN_PORT + 10; both offer players the ladder
 *   on either origin as HLS Content Steering pathways, so an origin can die without a stall.
 */
export function localComponents (profile: LocalProfile, outputPath: string, originPort = 8001): LocalComponent[] {
  const redundant = profile === 'redundant'
  const second = `${outputPath}2`
  const replicaPort = originPort + 10
  // one host name per replica: Shaka Player bans a failed location by host name, port ignored
  const pathways: Record<string, string> = profile === 'replicas' ? { ORIGIN_PATHWAYS: `a=http://localhost:${originPort},b=http://127.0.0.1:${replicaPort}` } : {}
  const reader = WITHHOLD.reader
  return [
    { name: 'reporter', entry: 'cmd/reporter/main.ts', env: {}, withhold: WITHHOLD.reporter },
    { name: 'server1', entry: 'cmd/packager/main.ts', env: { PACKAGER_NAME: 'server1' }, withhold: reader },
    { name: 'server2', entry: 'cmd/packager/main.ts', env: { PACKAGER_NAME: 'server2', ...(redundant ? { PACKAGER_ROOT: second } : {}) }, withhold: reader },
    { name: 'worker', entry: 'cmd/worker/main.ts', env: {}, withhold: reader },
    ...(redundant ? [{ name: 'worker2', entry: 'cmd/worker/main.ts', env: { OUTPUT_STREAM_PATH: second, WORKER_METRICS_PORT: '9465' }, withhold: reader }] : []),
    { name: 'discovery', entry: 'cmd/discovery/main.ts', env: {}, withhold: WITHHOLD.discovery },
    { name: 'origin', entry: 'cmd/origin/main.ts', env: pathways, withhold: reader },
    ...(profile === 'replicas' ? [{ name: 'origin2', entry: 'cmd/origin/main.ts', env: { ...pathways, ORIGIN_PORT: String(replicaPort) }, withhold: reader }] : []),
    { name: 'edges', entry: 'cmd/edges/main.ts', env: profile === 'replicas' ? { ORIGIN_URL: `http://127.0.0.1:${originPort},http://127.0.0.1:${replicaPort}` } : {}, withhold: WITHHOLD.edges }
  ]
}
