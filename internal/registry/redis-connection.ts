import { Redis, type RedisOptions } from 'ioredis'
import type { Logger } from '../log/logger.js'
import { RegistryErrors } from './registry-errors.js'
import type { HostPort, RegistryTarget } from './registry-url.js'
import { SentinelWatch } from './sentinel-watch.js'

export type RedisTarget = Extract<RegistryTarget, { kind: 'redis' | 'sentinel' }>

export interface RedisConnectionOptions {
  readonly log: Logger
  /** Longest wait for any one command's answer; past it the command rejects (default 1000 ms). */
  readonly commandTimeoutMs?: number
  /** Longest wait for the first connection in start() (default 5000 ms). */
  readonly startTimeoutMs?: number
}

const DEFAULT_COMMAND_TIMEOUT_MS = 1000
const DEFAULT_START_TIMEOUT_MS = 5000
const CONNECT_TIMEOUT_MS = 2000
const MAX_RECONNECT_DELAY_MS = 1000
// a connection whose commands time out this many times in a row is taken for dead: a link that
// drops packets silently leaves the socket open, and TCP's own retries can take half a minute to
// notice the link is back, while a new connection succeeds at once
const TIMEOUTS_BEFORE_RECONNECT = 3

/**
 * The ioredis settings that keep a caller from ever waiting on a dead Redis: no offline queue (a
 * command while disconnected fails at once), a timeout on every command, and no resending after a
 * reconnect (the caller was already told the command failed; replaying a stale write later would
 * undo a newer one). Reconnects go on forever, at most a second apart.
 */
function redisClientOptions (target: RedisTarget, commandTimeoutMs: number): RedisOptions {
  const common: RedisOptions = {
    lazyConnect: true,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 1,
    commandTimeout: commandTimeoutMs,
    connectTimeout: CONNECT_TIMEOUT_MS,
    autoResendUnfulfilledCommands: false,
    retryStrategy: (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    // a master demoted under us answers READONLY: reconnecting asks Sentinel for the new one
    reconnectOnError: (err: Error) => err.message.startsWith('READONLY'),
    db: target.db,
    ...(target.password === undefined ? {} : { password: target.password })
  }
  if (target.kind === 'redis') {
    return { ...common, host: target.host, port: target.port, ...(target.username === undefined ? {} : { username: target.username }), ...(target.tls ? { tls: {} } : {}) }
  }
  return {
    ...common,
    sentinels: target.sentinels.map(({ host, port }) => ({ host, port })),
    name: target.masterName,
    sentinelRetryStrategy: (attempt: number) => Math.min(100 * attempt, MAX_RECONNECT_DELAY_MS),
    sentinelCommandTimeout: commandTimeoutMs,
    // SentinelWatch does its work without printing to stderr (sentinel-watch.ts)
    failoverDetector: false
  }
}

type State = 'idle' | 'up' | 'down' | 'closed'

/**
 * One ioredis client and what its connection is doing: every failure of a command becomes
 * REGISTRY_ERR_UNAVAILABLE with one line saying what failed, a loss and a recovery are logged once
 * each (not once per retry), and each recovery runs the onReconnect listeners.
 */
export class RedisConnection {
  readonly client: Redis
  readonly display: string
  readonly #log: Logger
  readonly #password: string | undefined
  readonly #commandTimeoutMs: number
  readonly #startTimeoutMs: number
  readonly #listeners: Array<() => void> = []
  readonly #watch: SentinelWatch | undefined
  #state: State = 'idle'
  #lastError: Error | undefined
  #closeReason: string | undefined
  #closing: Promise<void> | undefined
  #timeoutsInARow = 0

  constructor (target: RedisTarget, options: RedisConnectionOptions) {
    this.display = target.display
    this.#password = target.password
    this.#commandTimeoutMs = options.commandTimeoutMs ?? DEFAULT_COMMAND_TIMEOUT_MS
    this.#startTimeoutMs = options.startTimeoutMs ?? DEFAULT_START_TIMEOUT_MS
    this.#log = options.log.child({ component: 'registry', registry: target.display })
    this.client = new Redis(redisClientOptions(target, this.#commandTimeoutMs))
    // without an 'error' listener ioredis prints every failed reconnect to stderr
    this.client.on('error', (err: Error) => { this.#lastError = err })
    this.client.on('ready', () => this.#onReady())
    this.client.on('close', () => this.#onClose())
    if (target.kind === 'sentinel') this.#watch = new SentinelWatch(target.sentinels, target.masterName, (master) => this.#onSwitch(master))
  }

  /** Resolves once the first connection is ready; rejects with REGISTRY_ERR_UNAVAILABLE and stops trying otherwise. */
  async start (): Promise<void> {
    if (this.#state === 'closed') throw new RegistryErrors.CLOSED()
    if (this.#state !== 'idle') return
    let timer: NodeJS.Timeout | undefined
    // Sentinel retries its sentinels forever inside connect(): only a deadline ends that
    const deadline = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`no connection within ${this.#startTimeoutMs} ms`)), this.#startTimeoutMs)
    })
    const connecting = this.client.connect()
    // past the deadline its rejection has no one to hear it
    connecting.catch(() => {})
    try {
      await Promise.race([connecting, deadline])
    } catch (err) {
      this.client.disconnect()
      throw this.#unavailable(err)
    } finally {
      clearTimeout(timer)
    }
    this.#watch?.start()
  }

  onReconnect (listener: () => void): void {
    this.#listeners.push(listener)
  }

  /** Runs one command (or one pipeline), turning any failure into a coded registry error. */
  async run<T> (command: () => Promise<T>): Promise<T> {
    if (this.#closed()) throw new RegistryErrors.CLOSED()
    try {
      const answer = await command()
      this.#timeoutsInARow = 0
      return answer
    } catch (err) {
      // a command cut short by close() failed because of it, not because Redis is down
      if (this.#closed()) throw new RegistryErrors.CLOSED()
      this.#noteTimeout(err)
      throw this.#unavailable(err)
    }
  }

  #noteTimeout (err: unknown): void {
    if (!(err instanceof Error) || err.message !== 'Command timed out') return
    this.#timeoutsInARow++
    if (this.#timeoutsInARow < TIMEOUTS_BEFORE_RECONNECT || this.client.status !== 'ready') return
    this.#timeoutsInARow = 0
    this.#closeReason = `no answer to ${TIMEOUTS_BEFORE_RECONNECT} commands in a row within ${this.#commandTimeoutMs} ms each: the connection is taken for dead`
    this.client.disconnect(true)
  }

  /** Idempotent: lets a command in flight finish (QUIT), then drops every socket and reconnect timer. */
  async close (): Promise<void> {
    this.#closing ??= (async () => {
      const wasReady = this.client.status === 'ready'
      this.#state = 'closed'
      this.#listeners.length = 0
      this.#watch?.close()
      if (wasReady) await this.client.quit().catch(() => {})
      // also after QUIT, which may have timed out: disconnect() is what ends reconnecting
      this.client.disconnect()
    })()
    await this.#closing
  }

  #closed (): boolean {
    return this.#state === 'closed'
  }

  #onReady (): void {
    const previous = this.#state
    if (previous === 'closed') return
    this.#state = 'up'
    this.#lastError = undefined
    if (previous !== 'down') return
    this.#log.info('registry connection restored')
    for (const listener of [...this.#listeners]) {
      try {
        listener()
      } catch (err) {
        this.#log.warn({ reason: this.#scrub((err as Error).message) }, 'a registry reconnect listener threw')
      }
    }
  }

  // every sentinel announces a switch: only the first, while still on the old master, reconnects
  #onSwitch (master: HostPort): void {
    const stream = this.client.stream as { remoteAddress?: string, remotePort?: number } | undefined
    if (this.#state !== 'up' || (stream?.remoteAddress === master.host && stream.remotePort === master.port)) return
    this.#closeReason = `the sentinels moved the master to ${master.host}:${master.port}`
    this.client.disconnect(true)
  }

  #onClose (): void {
    const switched = this.#closeReason
    this.#closeReason = undefined
    if (this.#state !== 'up') return
    this.#state = 'down'
    const reason = switched ?? (this.#lastError === undefined ? 'the connection was closed' : this.#reason(this.#lastError))
    this.#log.warn({ reason }, 'registry connection lost; reconnecting')
  }

  #unavailable (err: unknown): Error {
    // while disconnected, the reconnect's own error says more than "Stream isn't writeable"
    const cause = this.client.status !== 'ready' && this.#lastError !== undefined ? this.#lastError : err
    return new RegistryErrors.UNAVAILABLE(`registry ${this.display} unavailable: ${this.#reason(cause)}`)
  }

  #reason (err: unknown): string {
    const message = err instanceof Error ? err.message : String(err)
    const sentinels = /^All sentinels are unreachable\..*?(?:Last error: (.*))?$/s.exec(message)
    let reason: string
    // ioredis says "All sentinels are unreachable" also when they answered with a master that refused
    if (sentinels !== null) reason = sentinels[1] === undefined ? 'no master reachable through the sentinels' : `no sentinel answered${sentinels[1] === 'Connection is closed.' ? '' : ` (last: ${sentinels[1]})`}`
    else if (message === 'Command timed out') reason = `no answer within ${this.#commandTimeoutMs} ms`
    else if (message.startsWith("Stream isn't writeable")) reason = 'not connected'
    else if (message === 'Connection is closed.') reason = 'the connection was closed'
    else reason = message
    return this.#scrub(reason.split('\n')[0] ?? '')
  }

  // no server message should hold the password, but a message is no place to find out it did
  #scrub (text: string): string {
    const password = this.#password
    return password === undefined || password === '' ? text : text.split(password).join('***')
  }
}
