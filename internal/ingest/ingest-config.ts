import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { loadCommonConfig, type CommonConfig } from '../config/common-config.js'
import { ConfigError } from '../config/config-error.js'
import { readHostVariable, readOptionalString, readPort, readString, type Env } from '../config/env-readers.js'
import { readReporterUrls } from '../config/peer-addresses.js'
import { readWriterToken, TOKEN_VARIABLES } from '../config/writer-tokens.js'
import { parseSrtListeners, type SrtListenerSpec } from './srt-listener-spec.js'

/** An ingest node: nginx with the RTMP module, and the control API its callbacks ask. */
export interface IngestConfig extends CommonConfig {
  /** INGEST_ID: names the node in publish records and logs. */
  readonly id: string
  /** Where publishers connect: INGEST_RTMP_HOST (bind) and INGEST_RTMP_PORT. */
  readonly rtmpHost: string
  readonly rtmpPort: number
  /** The control API nginx calls back, /healthz and /metrics (INGEST_PORT, on HOST). */
  readonly port: number
  /** How workers reach this node's RTMP port (INGEST_PUBLIC_HOST). */
  readonly publicHost: string
  readonly reporterUrls: readonly string[]
  readonly reporterToken: string | undefined
  readonly reporterTokenVariable: string
  readonly nginxPath: string | undefined
  readonly rtmpModulePath: string
  readonly ffprobePath: string
  /** The SRT relays' ffmpeg (Debian's is built with libsrt). */
  readonly ffmpegPath: string
  /** INGEST_SRT: the SRT ports this node listens on, one per push stream (and role). */
  readonly srtListeners: readonly SrtListenerSpec[]
  /** nginx's prefix: its rendered config and pid file. */
  readonly stateDir: string
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

export function loadIngestConfig (env: Env): IngestConfig {
  const id = readString(env, 'INGEST_ID', 'ingest1')
  if (!ID.test(id)) throw new ConfigError('INGEST_ID', `'${id}' must be 1-64 letters, digits, '-' or '_', starting with a letter or digit`)
  const common = loadCommonConfig(env)
  const token = readWriterToken(env, 'ingest')
  const rtmpHost = readHostVariable(env, 'INGEST_RTMP_HOST', common.host)
  return Object.freeze({
    ...common,
    id,
    rtmpHost,
    rtmpPort: readPort(env, 'INGEST_RTMP_PORT', 1935),
    port: readPort(env, 'INGEST_PORT', 1985),
    publicHost: readHostVariable(env, 'INGEST_PUBLIC_HOST', rtmpHost === '0.0.0.0' ? '127.0.0.1' : rtmpHost),
    reporterUrls: Object.freeze(readReporterUrls(env)),
    reporterToken: token?.token,
    reporterTokenVariable: token?.variable ?? TOKEN_VARIABLES.ingest,
    nginxPath: readOptionalString(env, 'NGINX_PATH'),
    rtmpModulePath: readString(env, 'NGINX_RTMP_MODULE', '/usr/lib/nginx/modules/ngx_rtmp_module.so'),
    ffprobePath: readString(env, 'FFPROBE_PATH', 'ffprobe'),
    ffmpegPath: readString(env, 'FFMPEG_PATH', 'ffmpeg'),
    srtListeners: parseSrtListeners(readOptionalString(env, 'INGEST_SRT')),
    stateDir: readString(env, 'INGEST_STATE_DIR', join(tmpdir(), `zdh-ingest-${id}`))
  })
}
