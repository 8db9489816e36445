import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { renderTemplate } from './nginx-template.js'

/** The template every edge's nginx.conf is written from. */
export const EDGE_TEMPLATE_PATH = fileURLToPath(new URL('../../assets/nginx-edge.conf.template', import.meta.url))

export interface EdgeNginxParams {
  readonly id: string
  readonly port: number
  readonly listenHost: string
  /** The edge's private folder: config, pid, logs, temp files and cache. */
  readonly prefix: string
  /** Scheme, host and port only: edge paths equal origin paths. */
  readonly originUrl: string
  readonly cacheMaxSize: string
  readonly segmentCacheValid: string
  /** Set when the manager runs as root: workers must stay root to write the root-owned prefix, not drop to nobody. */
  readonly runAsUser: string | undefined
}

/** Pure: the placeholder values for one edge. */
export function edgeTemplateValues (params: EdgeNginxParams): Record<string, string> {
  const origin = new URL(params.originUrl)
  const tls = origin.protocol === 'https:'
  const originPort = origin.port !== '' ? origin.port : tls ? '443' : '80'
  const listenHost = params.listenHost.includes(':') ? `[${params.listenHost}]` : params.listenHost
  return {
    USER_DIRECTIVE: params.runAsUser === undefined ? '# not root: nginx keeps the current user' : `user ${params.runAsUser};`,
    PREFIX: params.prefix,
    LISTEN: `${listenHost}:${params.port}`,
    ZONE: `edge_${params.port}`,
    CACHE_MAX_SIZE: params.cacheMaxSize,
    SEGMENT_CACHE_VALID: params.segmentCacheValid,
    ORIGIN_HOSTPORT: `${origin.hostname}:${originPort}`,
    ORIGIN_HOST: origin.host,
    ORIGIN_SCHEME: tls ? 'https' : 'http',
    ORIGIN_TLS: tls ? `proxy_ssl_server_name on; proxy_ssl_name ${origin.hostname};` : '# plain http origin',
    EDGE_ID: params.id
  }
}

/** Pure: one edge's nginx.conf. */
export function renderEdgeConfig (template: string, params: EdgeNginxParams): string {
  if (/\s/.test(params.prefix)) throw new Error(`edge folder '${params.prefix}' must not contain white space`)
  return renderTemplate(template, edgeTemplateValues(params), ['USER_DIRECTIVE', 'ORIGIN_TLS'])
}

export async function loadEdgeTemplate (path = EDGE_TEMPLATE_PATH): Promise<string> {
  return await readFile(path, 'utf8')
}
