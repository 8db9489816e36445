import { readHost, readLogLevel, readOptionalBoolean, readString, type Env, type LogLevel } from './env-readers.js'
import { ConfigError } from './config-error.js'

/** Settings every service shares. */
export interface CommonConfig {
  readonly host: string
  readonly logLevel: LogLevel
  readonly logPretty: boolean | undefined
  readonly signalName: string
  readonly outputPath: string
}

export const SIGNAL_NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/

export function loadCommonConfig (env: Env): CommonConfig {
  const signalName = readString(env, 'LIVE_SIGNAL_NAME', 'live01')
  if (!SIGNAL_NAME_PATTERN.test(signalName)) {
    throw new ConfigError('LIVE_SIGNAL_NAME', `'${signalName}' must be 1-64 letters, digits, '-' or '_', starting with a letter or digit`)
  }
  return {
    host: readHost(env),
    logLevel: readLogLevel(env),
    // unset: pretty on a terminal (createLogger decides); junk stops the start like any bad value
    logPretty: readOptionalBoolean(env, 'LOG_PRETTY'),
    signalName,
    outputPath: readString(env, 'OUTPUT_STREAM_PATH', 'output')
  }
}
