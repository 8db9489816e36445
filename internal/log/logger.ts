import { pino, type Logger } from 'pino'
import type { LogLevel } from '../config/env-readers.js'

export type { Logger }

export interface LoggerOptions {
  readonly service: string
  readonly level: LogLevel
  /** Pretty single-line output; defaults to on when stdout is a terminal. */
  readonly pretty?: boolean | undefined
}

/** The root logger of a service; everything else takes it and calls `.child()`. */
export function createLogger (options: LoggerOptions): Logger {
  const pretty = options.pretty ?? process.stdout.isTTY === true
  const base = { service: options.service }
  if (!pretty) return pino({ level: options.level, base })
  return pino({
    level: options.level,
    base,
    transport: {
      target: 'pino-pretty',
      options: { colorize: process.stdout.isTTY === true, singleLine: true, ignore: 'pid,hostname,service', translateTime: 'HH:MM:ss.l' }
    }
  })
}
