import { ConfigError } from '../config/config-error.js'
import { readHttpUrl, type Env } from '../config/env-readers.js'
import { readOriginPort } from '../config/peer-addresses.js'
import { isValidName } from '../hls/names.js'
import { MAX_TOKEN_LIFETIME_SECONDS, mintPlaybackToken, tokenQuery } from './playback-signature.js'
import { readSigningKey } from './signing-key.js'

export type CommandResult = { readonly ok: true, readonly output: string } | { readonly ok: false, readonly error: string }

export const SIGN_URL_USAGE = 'usage: sign-url <signal> <ttl-seconds>   (env: SIGNING_KEY, ORIGIN_PUBLIC_URL or ORIGIN_PORT)'

/** A signed entry-playlist URL for `<signal>` valid `<ttl-seconds>` from now, or why not. */
export function signUrlCommand (args: readonly string[], env: Env, nowMs: number): CommandResult {
  const [signal, ttl] = args
  if (signal === undefined || ttl === undefined || args.length !== 2) return { ok: false, error: SIGN_URL_USAGE }
  if (!isValidName('signal', signal)) return { ok: false, error: `invalid signal name '${signal}': 1-64 letters, digits, '-' or '_'` }
  if (!/^\d{1,9}$/.test(ttl) || Number(ttl) < 1 || Number(ttl) > MAX_TOKEN_LIFETIME_SECONDS) return { ok: false, error: `ttl-seconds must be a whole number of seconds from 1 to ${MAX_TOKEN_LIFETIME_SECONDS}, got '${ttl}'` }
  try {
    const key = readSigningKey(env)
    if (key === undefined) return { ok: false, error: 'SIGNING_KEY: must be set to the origin\'s key to sign URLs' }
    const base = readHttpUrl(env, 'ORIGIN_PUBLIC_URL', `http://localhost:${readOriginPort(env)}`)
    const exp = Math.floor(nowMs / 1000) + Number(ttl)
    return { ok: true, output: `${base}/${signal}/playlist.m3u8?${tokenQuery(mintPlaybackToken(key, signal, exp))}` }
  } catch (err) {
    if (err instanceof ConfigError) return { ok: false, error: err.message }
    throw err
  }
}
