import { ConfigError } from '../config/config-error.js'
import { NAME_PATTERNS } from '../hls/names.js'
import { PUBLISH_ROLES, type PublishRole } from '../streams/publish-record.js'

/** One SRT port of an ingest node: a publish on it is `stream`'s, as `role`. */
export interface SrtListenerSpec {
  readonly stream: string
  readonly port: number
  readonly role: PublishRole
}

/** libsrt's bounds on a passphrase: a stream key outside them cannot open an SRT listener. */
export const SRT_PASSPHRASE_LENGTH = Object.freeze({ min: 10, max: 79 })

/** Whether a stream key can be an SRT listener's passphrase. */
export function isSrtPassphrase (key: string): boolean {
  return key.length >= SRT_PASSPHRASE_LENGTH.min && key.length <= SRT_PASSPHRASE_LENGTH.max
}

/**
 * INGEST_SRT: `<stream>:<port>[:backup]`, comma-separated. An SRT listener answers one passphrase,
 * so each push stream taken over SRT gets its own port (the port names the stream; its key is the
 * passphrase). Empty: no SRT on this node.
 */
export function parseSrtListeners (value: string | undefined, variable = 'INGEST_SRT'): readonly SrtListenerSpec[] {
  if (value === undefined || value.trim() === '') return Object.freeze([])
  const specs: SrtListenerSpec[] = []
  for (const entry of value.split(',').map((part) => part.trim())) {
    const [stream = '', portText = '', role = 'main', ...rest] = entry.split(':')
    const port = Number(portText)
    if (!NAME_PATTERNS.signal.test(stream) || !/^\d{1,5}$/.test(portText) || port < 1 || port > 65535 ||
        !(PUBLISH_ROLES as readonly string[]).includes(role) || rest.length > 0) {
      throw new ConfigError(variable, `'${entry}' must be <stream>:<port>[:backup], for example live01:10080 or live01:10081:backup`)
    }
    if (specs.some((s) => s.port === port)) throw new ConfigError(variable, `port ${port} is given twice; an SRT listener takes one stream`)
    if (specs.some((s) => s.stream === stream && s.role === role)) throw new ConfigError(variable, `${stream} (${role}) is given twice`)
    specs.push(Object.freeze({ stream, port, role: role as PublishRole }))
  }
  return Object.freeze(specs)
}
