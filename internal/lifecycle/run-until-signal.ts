import type { Logger } from '../log/logger.js'
import type { Service } from './service.js'

const FORCE_EXIT_MS = 10_000

/** Starts a service and closes it on SIGTERM/SIGINT; a second signal, or a hung close, exits at once. */
export async function runUntilSignal (service: Service, log: Logger): Promise<void> {
  let stopping = false
  const stop = (signal: NodeJS.Signals): void => {
    if (stopping) {
      log.warn({ signal }, 'second signal, exiting now')
      process.exit(1)
    }
    stopping = true
    log.info({ signal }, 'stopping')
    const force = setTimeout(() => {
      log.error('close took too long, exiting')
      process.exit(1)
    }, FORCE_EXIT_MS)
    force.unref()
    service.close().then(
      () => { log.info('stopped'); log.flush(); process.exitCode = 0 },
      (err: unknown) => { log.error({ err }, 'close failed'); process.exitCode = 1 }
    )
  }
  process.on('SIGTERM', stop)
  process.on('SIGINT', stop)
  try {
    await service.start()
  } catch (err) {
    log.fatal({ err }, 'start failed')
    await service.close().catch(() => {})
    process.exit(1)
  }
}
