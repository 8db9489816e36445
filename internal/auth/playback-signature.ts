import { createHash, createHmac, timingSafeEqual } from 'node:crypto'

/**
 * Signed playback URLs: `?exp=<unix seconds>&sig=<base64url HMAC-SHA256>` scoped to one signal's
 * `/<signal>/` prefix, so a token for live01 opens every playlist and segment of live01 and
 * nothing else. `st` is a second, MD5-based token that nginx `secure_link_md5` can check at edges.
 */
export interface PlaybackToken {
  readonly exp: number
  readonly sig: string
  /** nginx secure_link_md5 token of the same exp and prefix (see edgeSecureLinkToken). */
  readonly st: string
}

export type TokenCheck = { readonly ok: true, readonly token: PlaybackToken } | { readonly ok: false, readonly reason: string }

// a version prefix in the signed text lets the format change later without old tokens verifying
const FORMAT = 'zdhls-v1'
const EXP_PATTERN = /^\d{1,12}$/
const SIG_PATTERN = /^[A-Za-z0-9_-]{43}$/

/**
 * The longest a token may live: the origin refuses an `exp` further ahead than this, and the edges
 * refuse one more than EDGE_EXP_BUCKET_SECONDS to 2 × that ahead (nginx can only compare digit
 * prefixes, see edge-nginx-config.ts). A leaked edge secret or token is worth a day at most.
 */
export const MAX_TOKEN_LIFETIME_SECONDS = 86_400

/** The edges' coarse clock for the lifetime cap: exp and now compared without their last 5 digits. */
export const EDGE_EXP_BUCKET_SECONDS = 100_000

/** The `/<signal>/` prefix a token is scoped to. */
export function signalPrefix (signal: string): string {
  return `/${signal}/`
}

export function playbackSignature (key: string, signal: string, exp: number): string {
  return createHmac('sha256', key).update(`${FORMAT}\n${signalPrefix(signal)}\n${exp}`).digest('base64url')
}

/**
 * The secret the edges' nginx gets: derived from SIGNING_KEY, so one key is configured, and an
 * edge host that leaks its nginx config does not leak the key that signs origin tokens.
 */
export function edgeSecret (key: string): string {
  return createHmac('sha256', key).update(`${FORMAT}\nedge-secure-link`).digest('base64url')
}

/**
 * What `secure_link_md5 "$secure_link_expires$signal_prefix $edge_secret"` computes in nginx:
 * base64url MD5 of `<exp>/<signal>/ <secret>`. MD5 is what nginx offers; it only guards edge cache
 * hits, the origin still checks the HMAC on every fill.
 */
export function edgeSecureLinkToken (secret: string, signal: string, exp: number): string {
  return createHash('md5').update(`${exp}${signalPrefix(signal)} ${secret}`).digest('base64url')
}

/** A token for `signal` valid until `exp` (unix seconds). */
export function mintPlaybackToken (key: string, signal: string, exp: number): PlaybackToken {
  return { exp, sig: playbackSignature(key, signal, exp), st: edgeSecureLinkToken(edgeSecret(key), signal, exp) }
}

/** The query string carrying a token, as written into URLs and playlists. */
export function tokenQuery (token: PlaybackToken): string {
  return `exp=${token.exp}&sig=${token.sig}&st=${token.st}`
}

/**
 * Checks the exp/sig query parameters of a request for `signal` at `nowSeconds`. Fails with a
 * one-line reason; signatures are compared in constant time. `secret` is edgeSecret(key), passed
 * in so it is derived once per process rather than per request.
 */
export function checkPlaybackToken (
  key: string, secret: string, signal: string,
  query: { readonly exp?: unknown, readonly sig?: unknown },
  nowSeconds: number
): TokenCheck {
  const { exp, sig } = query
  if (exp === undefined || sig === undefined) return { ok: false, reason: 'missing exp or sig query parameter' }
  if (typeof exp !== 'string' || !EXP_PATTERN.test(exp)) return { ok: false, reason: 'exp must be one unix time in seconds' }
  if (typeof sig !== 'string' || !SIG_PATTERN.test(sig)) return { ok: false, reason: 'sig must be one base64url HMAC-SHA256' }
  const expires = Number(exp)
  const given = Buffer.from(sig, 'base64url')
  // base64url has spare bits in its last character: only the canonical spelling is accepted
  if (given.toString('base64url') !== sig) return { ok: false, reason: 'sig must be one base64url HMAC-SHA256' }
  const expected = Buffer.from(playbackSignature(key, signal, expires), 'base64url')
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'signature does not match this signal and expiry' }
  if (expires <= nowSeconds) return { ok: false, reason: 'token expired' }
  // signed by the key, but for longer than any token is minted for: a leaked one must not last years
  if (expires > nowSeconds + MAX_TOKEN_LIFETIME_SECONDS) return { ok: false, reason: `token lives longer than the maximum of ${MAX_TOKEN_LIFETIME_SECONDS} s` }
  // the edge token is derived here, never copied from the request: what the origin writes is always valid
  return { ok: true, token: { exp: expires, sig, st: edgeSecureLinkToken(secret, signal, expires) } }
}
