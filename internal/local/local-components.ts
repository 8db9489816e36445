import { ingestComponents } from './ingest-components.js'
import { multiComponents } from './multi-components.js'

/** One process `make run-local` starts: a name for its log lines, its entrypoint and extra env. */
export interface LocalComponent {
  readonly name: string
  readonly entry: string
  /** Node's flags before the entry; absent means TypeScript source run through tsx. */
  readonly nodeArgs?: readonly string[]
  /** Set for a program that is not ours (redis-server): `entry` is run as it is, with these arguments. */
  readonly programArgs?: readonly string[]
  readonly env: Readonly<Record<string, string>>
  /** Inherited variables removed before it starts: the reporter tokens of roles it does not play. */
  readonly withhold?: readonly string[]
}

const ROLE_TOKENS = ['REPORTER_DISCOVERY_TOKEN', 'REPORTER_EDGES_TOKEN', 'REPORTER_WORKER_TOKEN', 'REPORTER_OPERATOR_TOKEN', 'REPORTER_INGEST_TOKEN'] as const
const keepOnly = (token: string): string[] => ROLE_TOKENS.filter((t) => t !== token)
/**
 * Each writer keeps only its own token (and the shared fallback); readers get none. The operator's
 * token stays with the reporter: it is the user's, for PUT /streams.
 */
export const WITHHOLD: Readonly<Record<'reporter' | 'discovery' | 'edges' | 'worker' | 'ingest' | 'reader', readonly string[]>> = {
  reporter: [],
  discovery: keepOnly('REPORTER_DISCOVERY_TOKEN'),
  edges: keepOnly('REPORTER_EDGES_TOKEN'),
  worker: keepOnly('REPORTER_WORKER_TOKEN'),
  ingest: keepOnly('REPORTER_INGEST_TOKEN'),
  reader: ['REPORTER_TOKEN', ...ROLE_TOKENS]
}

export const LOCAL_PROFILES = ['default', 'redundant', 'replicas', 'multi', 'ingest', 'll'] as const
export type LocalProfile = typeof LOCAL_PROFILES[number]

/**
 * LL-HLS (`make run-local-ll`): CMAF from the worker with 0.5 s parts, 1 s segments (a part every
 * half second, a keyframe every second), a 30 s window at the packagers and the origin.
 */
export const LL_VARIABLES: Readonly<Record<string, string>> = Object.freeze({
  SEGMENT_FORMAT: 'fmp4',
  SEGMENT_DURATION: '1',
  PART_DURATION: '0.5',
  HLS_LIST_SIZE: '30',
  ORIGIN_WINDOW_SEGMENTS: '30'
})

/**
 * How the entrypoints run: 'compiled' is what `make build` leaves in build/, run by plain node (no
 * loader in each process); 'source' is the TypeScript itself through tsx, for development.
 */
export type LocalRuntime = 'compiled' | 'source'

/** The entry and node flags of one service (`cmd/<service>/main.ts`) in a runtime. */
export function serviceEntry (service: string, runtime: LocalRuntime): Pick<LocalComponent, 'entry' | 'nodeArgs'> {
  return runtime === 'compiled'
    ? { entry: `build/cmd/${service}/main.js`, nodeArgs: [] }
    : { entry: `cmd/${service}/main.ts`, nodeArgs: ['--import', 'tsx'] }
}

/**
 * Every component, in start order: reporter and packagers first so the worker's first segments
 * and discovery's first report have somewhere to go.
 *
 * - default: one worker writes OUTPUT_STREAM_PATH; both packagers serve it.
 * - redundant: two epoch-locked workers, each feeding its own packager from its own folder
 *   (`<OUTPUT_STREAM_PATH>` and `<OUTPUT_STREAM_PATH>2`), so an encoder can die without a gap.
 * - replicas: the default plus a second origin on ORIGIN_PORT + 10; both offer players the ladder
 *   on either origin as HLS Content Steering pathways, so an origin can die without a stall.
 * - ll: the default in LL-HLS mode (LL_VARIABLES), played at the same origin URL.
 */
export function localComponents (profile: LocalProfile, outputPath: string, originPort = 8001, runtime: LocalRuntime = 'compiled'): LocalComponent[] {
  if (profile === 'multi') return multiComponents(outputPath, (service) => serviceEntry(service, runtime))
  if (profile === 'ingest') return ingestComponents(outputPath, (service) => serviceEntry(service, runtime))
  const redundant = profile === 'redundant'
  const second = `${outputPath}2`
  const replicaPort = originPort + 10
  // one host name per replica: Shaka Player bans a failed location by host name, port ignored
  const pathways: Record<string, string> = profile === 'replicas' ? { ORIGIN_PATHWAYS: `a=http://localhost:${originPort},b=http://127.0.0.1:${replicaPort}` } : {}
  const reader = WITHHOLD.reader
  const run = (service: string): Pick<LocalComponent, 'entry' | 'nodeArgs'> => serviceEntry(service, runtime)
  const components: LocalComponent[] = [
    { name: 'reporter', ...run('reporter'), env: {}, withhold: WITHHOLD.reporter },
    { name: 'server1', ...run('packager'), env: { PACKAGER_NAME: 'server1' }, withhold: reader },
    { name: 'server2', ...run('packager'), env: { PACKAGER_NAME: 'server2', ...(redundant ? { PACKAGER_ROOT: second } : {}) }, withhold: reader },
    { name: 'worker', ...run('worker'), env: {}, withhold: WITHHOLD.worker },
    ...(redundant ? [{ name: 'worker2', ...run('worker'), env: { OUTPUT_STREAM_PATH: second, WORKER_METRICS_PORT: '9465' }, withhold: WITHHOLD.worker }] : []),
    { name: 'discovery', ...run('discovery'), env: {}, withhold: WITHHOLD.discovery },
    { name: 'origin', ...run('origin'), env: pathways, withhold: reader },
    ...(profile === 'replicas' ? [{ name: 'origin2', ...run('origin'), env: { ...pathways, ORIGIN_PORT: String(replicaPort) }, withhold: reader }] : []),
    { name: 'edges', ...run('edges'), env: profile === 'replicas' ? { ORIGIN_URL: `http://127.0.0.1:${originPort},http://127.0.0.1:${replicaPort}` } : {}, withhold: WITHHOLD.edges }
  ]
  return profile === 'll' ? components.map((c) => ({ ...c, env: { ...LL_VARIABLES, ...c.env } })) : components
}
