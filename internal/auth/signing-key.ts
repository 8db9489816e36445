import { ConfigError } from '../config/config-error.js'
import { readOptionalString, type Env } from '../config/env-readers.js'

/** SIGNING_KEY: unset turns signed playback URLs off; set, it must be long enough to be a real secret. */
export function readSigningKey (env: Env, name = 'SIGNING_KEY'): string | undefined {
  const key = readOptionalString(env, name)
  if (key === undefined) return undefined
  if (!/^[\x21-\x7e]{32,1024}$/.test(key)) {
    throw new ConfigError(name, 'must be 32 to 1024 printable ASCII characters without spaces (e.g. `openssl rand -base64 48`), or unset to turn signed URLs off')
  }
  return key
}
