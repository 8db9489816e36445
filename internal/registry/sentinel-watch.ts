import { Redis } from 'ioredis'
import type { HostPort } from './registry-url.js'

const SWITCH_CHANNEL = '+switch-master'
const MAX_RETRY_DELAY_MS = 5000

/**
 * Listens on every sentinel for `+switch-master` of one master and calls `onSwitch` with the new
 * master's address. A client still connected to a demoted master that stays up (a manual
 * failover, a master cut off from the sentinels but not from us) would otherwise keep writing to
 * it until Sentinel reconfigures it, some 10 s later, and those writes are lost. ioredis'
 * `failoverDetector` does the same, but its sentinel links take no 'error' listener and print a
 * stack to stderr on every retry while a sentinel is down; these links fail quietly and retry.
 */
export class SentinelWatch {
  readonly #clients: Redis[]

  // sentinels do not take the data nodes' password, so none is sent (a sentinel's own is not supported)
  constructor (sentinels: readonly HostPort[], masterName: string, onSwitch: (master: HostPort) => void) {
    this.#clients = sentinels.map(({ host, port }) => {
      const client = new Redis({
        host,
        port,
        lazyConnect: true,
        retryStrategy: (attempt: number) => Math.min(500 * attempt, MAX_RETRY_DELAY_MS),
        // a subscription made before the link is up waits for it, and is made again after each reconnect
        enableOfflineQueue: true,
        maxRetriesPerRequest: null
      })
      client.on('error', () => {})
      client.on('message', (channel: string, message: string) => {
        // "<master> <old ip> <old port> <new ip> <new port>": a sentinel may watch other masters too
        const [name, , , ip, newPort] = message.split(' ')
        if (channel === SWITCH_CHANNEL && name === masterName && ip !== undefined && newPort !== undefined) onSwitch({ host: ip, port: Number(newPort) })
      })
      return client
    })
  }

  /** Subscribes on each sentinel without waiting: a sentinel that is down is tried again in the background. */
  start (): void {
    for (const client of this.#clients) {
      client.connect().catch(() => {})
      client.subscribe(SWITCH_CHANNEL).catch(() => {})
    }
  }

  close (): void {
    for (const client of this.#clients) client.disconnect()
  }
}
