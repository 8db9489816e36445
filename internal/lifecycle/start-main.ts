import { ConfigError } from '../config/config-error.js'
import { createLogger, type Logger } from '../log/logger.js'
import type { LogLevel } from '../config/env-readers.js'
import type { Service } from './service.js'
import { runUntilSignal } from './run-until-signal.js'

interface LoggedConfig { readonly logLevel: LogLevel, readonly logPretty: boolean | undefined }

/**
 * The whole of a cmd/<service>/main.ts: load config (a bad value stops with one line naming it),
 * make the logger, build the service, run it until a signal.
 */
export async function startMain<C extends LoggedConfig> (
  name: string,
  loadConfig: (env: NodeJS.ProcessEnv) => C,
  build: (config: C, log: Logger) => Service
): Promise<void> {
  let config: C
  try {
    config = loadConfig(process.env)
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${name}: invalid configuration: ${err.message}\n`)
      process.exit(2)
    }
    throw err
  }
  const log = createLogger({ service: name, level: config.logLevel, pretty: config.logPretty })
  await runUntilSignal(build(config, log), log)
}
