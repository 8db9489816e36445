import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Redis } from 'ioredis'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'

const REDIS_SERVER = '/usr/bin/redis-server'
// the kernel kills the child when this test process dies, even by SIGKILL, before any teardown ran
const SETPRIV = '/usr/bin/setpriv'

export interface RedisServerOptions {
  /** Keep every write on disk (`appendonly yes`, `appendfsync always`), for restarts that keep data. */
  readonly appendonly?: boolean
  /** `requirepass`. */
  readonly password?: string
  /** `replicaof 127.0.0.1 <port>`. */
  readonly replicaOf?: number
  /** Run as a sentinel with these `sentinel …` config lines instead of as a server. */
  readonly sentinel?: readonly string[]
  /** A port already chosen (default: a free one). */
  readonly port?: number
}

/**
 * One Redis server (or sentinel) process, Debian's redis-server, owned by a test: on 127.0.0.1, in
 * a temp dir of its own with a generated config file, no RDB snapshots. Signals go to its PID
 * only. Register `stop()` as a teardown.
 */
export class RedisServer {
  readonly port: number
  readonly dir: string
  readonly #argv: readonly string[]
  readonly #password: string | undefined
  #child: ChildProcess | undefined
  #output: string[] = []
  #stopping: Promise<void> | undefined

  private constructor (port: number, dir: string, argv: readonly string[], password: string | undefined) {
    this.port = port
    this.dir = dir
    this.#argv = argv
    this.#password = password
  }

  /**
   * A port found free can be taken by another test's listener before redis-server binds it: with
   * no port given, a start that loses that race is tried again on another free port.
   */
  static async start (options: RedisServerOptions = {}): Promise<RedisServer> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await RedisServer.#startOnce(options)
      } catch (err) {
        if (options.port !== undefined || attempt >= 3 || !isPortTaken(err)) throw err
      }
    }
  }

  static async #startOnce (options: RedisServerOptions): Promise<RedisServer> {
    const port = options.port ?? await freePort()
    const dir = await mkdtemp(join(tmpdir(), 'zdh-redis-'))
    const config = join(dir, 'redis.conf')
    // a sentinel rewrites its file as it learns the set, so every process gets its own
    await writeFile(config, [`port ${port}`, 'bind 127.0.0.1', `dir "${dir}"`, ...roleConfig(options), ''].join('\n'))
    const argv = options.sentinel === undefined ? [config] : [config, '--sentinel']
    const server = new RedisServer(port, dir, argv, options.password)
    try {
      await server.#spawn()
    } catch (err) {
      await server.stop()
      throw err
    }
    return server
  }

  get url (): string {
    return `redis://127.0.0.1:${this.port}`
  }

  get pid (): number | undefined {
    return this.#child?.pid
  }

  get running (): boolean {
    const child = this.#child
    return child !== undefined && child.exitCode === null && child.signalCode === null
  }

  /** Signals this server's PID and, unless the signal only pauses it, waits until it has exited. */
  async kill (signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
    const child = this.#child
    if (child === undefined || !this.running) return
    if (signal === 'SIGSTOP' || signal === 'SIGCONT') {
      child.kill(signal)
      return
    }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    child.kill(signal)
    await exited
  }

  /** Starts it again on the same port and dir (after kill or stop of the process, not of the dir) and waits until it answers. */
  async restart (): Promise<void> {
    if (this.running) await this.kill('SIGKILL')
    await this.#spawn()
  }

  /** Idempotent: the process ends (SIGTERM, SIGKILL after 3 s) and its dir is removed. */
  async stop (): Promise<void> {
    this.#stopping ??= (async () => {
      const child = this.#child
      if (child !== undefined && this.running) {
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
        child.kill('SIGCONT')
        child.kill('SIGTERM')
        const timer = setTimeout(() => { if (this.running) child.kill('SIGKILL') }, 3000)
        await exited
        clearTimeout(timer)
      }
      await rm(this.dir, { recursive: true, force: true })
    })()
    await this.#stopping
  }

  /** The last lines the server printed, for failure messages. */
  recentOutput (): string {
    return this.#output.join('').split('\n').slice(-15).join('\n')
  }

  async #spawn (): Promise<void> {
    this.#child = spawnOwned(REDIS_SERVER, this.#argv, (chunk) => this.#keep(chunk))
    await waitUntilAnswers(this.port, this.#password, () => this.running, () => this.recentOutput())
  }

  #keep (chunk: string): void {
    this.#output.push(chunk)
    if (this.#output.length > 400) this.#output = this.#output.slice(-200)
  }
}

function roleConfig (options: RedisServerOptions): string[] {
  if (options.sentinel !== undefined) return [...options.sentinel]
  return [
    'save ""',
    // a replica's first sync starts at once, not after the default 5 s wait for more replicas
    'repl-diskless-sync-delay 0',
    ...(options.appendonly === true ? ['appendonly yes', 'appendfsync always'] : ['appendonly no']),
    ...(options.password === undefined ? [] : [`requirepass "${options.password}"`]),
    ...(options.replicaOf === undefined ? [] : [`replicaof 127.0.0.1 ${options.replicaOf}`])
  ]
}

/** The start failed because another process had the port. */
export function isPortTaken (err: unknown): boolean {
  return err instanceof Error && err.message.includes('Address already in use')
}

/** Spawns `file` so that it dies with this process; output goes to `keep`. */
export function spawnOwned (file: string, argv: readonly string[], keep: (chunk: string) => void): ChildProcess {
  const [command, args] = existsSync(SETPRIV) ? [SETPRIV, ['--pdeathsig', 'KILL', '--', file, ...argv]] : [file, [...argv]]
  const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
  child.stdout?.on('data', (chunk: Buffer) => keep(chunk.toString()))
  child.stderr?.on('data', (chunk: Buffer) => keep(chunk.toString()))
  // a spawn failure is seen by the readiness wait (the child is not running); without a listener it would throw
  child.on('error', (err) => keep(`spawn failed: ${err.message}\n`))
  return child
}

/** Waits until the server on `port` answers PING (loading an AOF answers LOADING, which is not yet). */
export async function waitUntilAnswers (port: number, password: string | undefined, running: () => boolean, output: () => string): Promise<void> {
  await waitFor(`redis on port ${port} to answer PING`, async () => {
    if (!running()) throw new Error(`redis on port ${port} exited: ${output()}`)
    return await withClient(port, password, async (client) => await client.ping() === 'PONG')
  }, { timeoutMs: 15_000, intervalMs: 50 })
}

/** Runs `use` with a short-lived client of the Redis (or Sentinel) on `port`, which gives up at once when it cannot connect. */
export async function withClient<T> (port: number, password: string | undefined, use: (client: Redis) => Promise<T>): Promise<T> {
  const client = new Redis({
    host: '127.0.0.1',
    port,
    lazyConnect: true,
    retryStrategy: () => null,
    maxRetriesPerRequest: 0,
    enableReadyCheck: false,
    connectTimeout: 2000,
    commandTimeout: 2000,
    ...(password === undefined ? {} : { password })
  })
  client.on('error', () => {})
  try {
    await client.connect()
    return await use(client)
  } finally {
    client.disconnect()
  }
}
