import { readFile } from 'node:fs/promises'
import { fileURLToPath } from 'node:url'
import { EDGE_EXP_BUCKET_SECONDS, MAX_TOKEN_LIFETIME_SECONDS, edgeSecret } from '../auth/playback-signature.js'
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
  /** Further origin replicas, tried when the first fails (same scheme). */
  readonly originBackups?: readonly string[]
  readonly cacheMaxSize: string
  readonly segmentCacheValid: string
  /** Set when the manager runs as root: workers must stay root to write the root-owned prefix, not drop to nobody. */
  readonly runAsUser: string | undefined
  /** SIGNING_KEY: set, every playlist and segment needs the origin's `st` token; only a secret derived from it reaches nginx.conf. */
  readonly signingKey: string | undefined
}

const SECRET_PATTERN = /^[A-Za-z0-9_-]{16,128}$/

/**
 * Pure: the token check of one HLS location (nginx secure_link), as the origin mints `st`:
 * base64url MD5 of `<exp>/<signal>/ <edge secret>`. Missing, tampered, other-signal and expired
 * tokens get a 403 (from the template's /_edge/token-* locations) before the cache or the origin is asked.
 */
export function secureLinkDirectives (secret: string): string {
  // written raw into the config: the secret must not be able to close the quoted string
  if (!SECRET_PATTERN.test(secret)) throw new Error('edge secret must be base64url')
  return [
    '# playback token (exp, st) of this signal; a cache miss is checked again, by HMAC, at the origin',
    'secure_link $arg_st,$arg_exp;',
    `secure_link_md5 "$secure_link_expires$zdhls_signal_prefix ${secret}";`,
    // rewrite...last is, with return, the safe use of if in a location; the targets answer 403 as text/plain
    'if ($zdhls_token_query_bad) { rewrite ^ /_edge/token-invalid last; }',
    'if ($secure_link = "") { rewrite ^ /_edge/token-invalid last; }',
    'if ($secure_link = "0") { rewrite ^ /_edge/token-expired last; }',
    'if ($zdhls_exp_in_window = "0") { rewrite ^ /_edge/token-too-long last; }'
  ].join('\n      ')
}

/**
 * Pure: regexes matching `<exp>:<now>` (10-digit unix seconds; now as nginx's `$msec`) where exp's
 * first five digits equal now's or now's plus one. nginx compares no numbers, but a regex with a
 * back-reference compares digit prefixes: an exp up to EDGE_EXP_BUCKET_SECONDS ahead always
 * passes, one 2 × EDGE_EXP_BUCKET_SECONDS or more ahead never does.
 */
export function expWindowPatterns (): string[] {
  const patterns = ['^([1-9]\\d{4})\\d{5}:\\g{1}\\d{5}\\.']
  // now's prefix P d 9…9 (k nines) plus one is P (d+1) 0…0
  for (let k = 0; k <= 4; k++) {
    const head = k === 4 ? '' : `([1-9]\\d{${3 - k}})`
    // \g{1}, not \1: a digit right after \1 would make it another group's number
    const back = k === 4 ? '' : '\\g{1}'
    for (let d = k === 4 ? 1 : 0; d <= 8; d++) {
      patterns.push(`^${head}${d + 1}${'0'.repeat(k)}\\d{5}:${back}${d}${'9'.repeat(k)}\\d{5}\\.`)
    }
  }
  return patterns
}

/**
 * Pure: the http-level maps the token check reads. nginx finds `$arg_exp` case-insensitively and
 * takes the first of repeated names; the origin reads names as spelled, decodes them and refuses
 * repeats. So a query the origin would refuse is refused at the edge too, cache hit or not.
 */
export function secureLinkMaps (): string {
  if (EDGE_EXP_BUCKET_SECONDS < MAX_TOKEN_LIFETIME_SECONDS) throw new Error('the edge lifetime window must hold every token the origin accepts')
  return [
    '# 1 when the query is not one the origin would accept: a repeated exp, sig or st (also as a',
    '# bare name), another spelling of them (EXP, Sig), a percent-encoded name, or no well-formed sig',
    'map $args $zdhls_token_query_bad {',
    '  "~(?:^|&)(exp|sig|st)(?:=[^&]*)?&(?:.*&)?\\1(?:[=&]|$)" 1;',
    '  "~(?:^|&)(?!(?:exp|sig|st)(?:[=&]|$))(?i:exp|sig|st)(?:[=&]|$)" 1;',
    '  "~(?:^|&)[^=&]*%" 1;',
    '  "~(?:^|&)sig=[A-Za-z0-9_-]{43}(?:&|$)" 0;',
    '  default 1;',
    '}',
    `# 1 when exp is at most ${EDGE_EXP_BUCKET_SECONDS} s ahead (to 2 x that): the origin refuses more than ${MAX_TOKEN_LIFETIME_SECONDS} s`,
    'map "$arg_exp:$msec" $zdhls_exp_in_window {',
    ...expWindowPatterns().map((p) => `  "~${p}" 1;`),
    '  default 0;',
    '}'
  ].join('\n  ')
}

// written into a raw directive: only what a host name, IPv4 or [IPv6] address and port can hold
const SAFE_HOST_PORT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\]):\d{1,5}$/

function hostPort (url: string): string {
  const u = new URL(url)
  const value = `${u.hostname}:${u.port !== '' ? u.port : u.protocol === 'https:' ? '443' : '80'}`
  if (!SAFE_HOST_PORT.test(value)) throw new Error(`origin '${url}' is not a plain host and port nginx can use`)
  return value
}

/** Pure: the placeholder values for one edge. */
export function edgeTemplateValues (params: EdgeNginxParams): Record<string, string> {
  const origin = new URL(params.originUrl)
  const tls = origin.protocol === 'https:'
  const listenHost = params.listenHost.includes(':') ? `[${params.listenHost}]` : params.listenHost
  return {
    USER_DIRECTIVE: params.runAsUser === undefined ? '# not root: nginx keeps the current user' : `user ${params.runAsUser};`,
    PREFIX: params.prefix,
    LISTEN: `${listenHost}:${params.port}`,
    ZONE: `edge_${params.port}`,
    CACHE_MAX_SIZE: params.cacheMaxSize,
    SEGMENT_CACHE_VALID: params.segmentCacheValid,
    ORIGIN_SERVERS: [params.originUrl, ...params.originBackups ?? []].map((url) => `server ${hostPort(url)} max_fails=1 fail_timeout=2s;`).join('\n    '),
    ORIGIN_HOST: origin.host,
    ORIGIN_SCHEME: tls ? 'https' : 'http',
    ORIGIN_TLS: tls ? `proxy_ssl_server_name on; proxy_ssl_name ${origin.hostname};` : '# plain http origin',
    EDGE_ID: params.id,
    SECURE_LINK: params.signingKey === undefined
      ? '# SIGNING_KEY is not set: no playback token checked here'
      : secureLinkDirectives(edgeSecret(params.signingKey)),
    TOKEN_MAPS: params.signingKey === undefined ? '# SIGNING_KEY is not set: no token maps' : secureLinkMaps()
  }
}

/** Pure: one edge's nginx.conf. */
export function renderEdgeConfig (template: string, params: EdgeNginxParams): string {
  if (/\s/.test(params.prefix)) throw new Error(`edge folder '${params.prefix}' must not contain white space`)
  return renderTemplate(template, edgeTemplateValues(params), ['USER_DIRECTIVE', 'ORIGIN_TLS', 'SECURE_LINK', 'ORIGIN_SERVERS', 'TOKEN_MAPS'])
}

export async function loadEdgeTemplate (path = EDGE_TEMPLATE_PATH): Promise<string> {
  return await readFile(path, 'utf8')
}
