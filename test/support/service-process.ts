import { spawn, type ChildProcess } from 'node:child_process'
import { childEnv } from './child-env.js'
import { compiledServiceArgs } from './compiled-services.js'
import { PROJECT_ROOT } from './project-root.js'
import { waitFor } from './wait-for.js'

export interface ServiceProcessOptions {
  readonly name: string
  readonly entry: string
  readonly env: Readonly<Record<string, string>>
  /** When set, start() waits until GET /healthz on this port answers 200. */
  readonly healthPort?: number
  /** Run inside this network namespace (`ip netns exec`), a host of test/hosts/netns-topology.ts. */
  readonly netns?: string
  /** Where /healthz is asked (default 127.0.0.1): a namespaced service's own address. */
  readonly healthHost?: string
}

/**
 * One real entrypoint run as a child, compiled as production runs it (compiled-services.ts), and
 * restartable. It leads its own process group, and signals go to that group: a SIGKILL takes its
 * ffmpeg with it (as when a container or host dies), and teardown can leave no orphan behind.
 * Output is kept for failure messages.
 */
export class ServiceProcess {
  private child: ChildProcess | undefined
  private output: string[] = []

  constructor (private readonly options: ServiceProcessOptions) {}

  get pid (): number | undefined { return this.child?.pid }
  get running (): boolean { return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null }

  async start (): Promise<void> {
    // tap's loaders and coverage are for the test process
    const env = childEnv({ LOG_PRETTY: '0', LOG_LEVEL: 'info', ...this.options.env })
    const args = await compiledServiceArgs(this.options.entry)
    // `ip netns exec` execs the command in place: the child's PID is still the service's
    const [file, argv] = this.options.netns === undefined ? [process.execPath, args] : ['ip', ['netns', 'exec', this.options.netns, process.execPath, ...args]]
    const child = spawn(file, argv, { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'pipe'], detached: true })
    this.child = child
    const keep = (chunk: Buffer): void => {
      this.output.push(chunk.toString())
      if (this.output.length > 400) this.output = this.output.slice(-200)
    }
    child.stdout?.on('data', keep)
    child.stderr?.on('data', keep)
    const port = this.options.healthPort
    if (port !== undefined) {
      await waitFor(`${this.options.name} /healthz on port ${port}`, async () => {
        if (!this.running) throw new Error(`${this.options.name} exited: ${this.recentOutput()}`)
        const res = await fetch(`http://${this.options.healthHost ?? '127.0.0.1'}:${port}/healthz`).catch(() => undefined)
        return res?.status === 200
      }, { timeoutMs: 30_000 })
    }
  }

  /** Signals the whole process group this child leads (never anything else). */
  signal (signal: NodeJS.Signals): void {
    const pid = this.child?.pid
    if (pid === undefined || !this.running) return
    try { process.kill(-pid, signal) } catch { this.child?.kill(signal) }
  }

  /** Signals the entrypoint process alone, leaving its children (e.g. a SIGTERM it must handle itself). */
  signalLeader (signal: NodeJS.Signals): void {
    if (this.running) this.child?.kill(signal)
  }

  /** SIGTERM (SIGCONT first, in case it is frozen), SIGKILL after a grace period; resolves when it has exited. */
  async stop (graceMs = 5000): Promise<void> {
    const child = this.child
    if (child === undefined || !this.running) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    this.signal('SIGCONT')
    this.signalLeader('SIGTERM')
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs)
    await exited
    clearTimeout(timer)
    this.reapGroup(child.pid)
  }

  // whatever the entrypoint left in its group (an ffmpeg it could not stop) goes with it
  private reapGroup (pid: number | undefined): void {
    if (pid === undefined) return
    try { process.kill(-pid, 'SIGKILL') } catch {}
  }

  async kill (): Promise<void> {
    const child = this.child
    if (child === undefined || !this.running) return
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    this.signal('SIGKILL')
    await exited
  }

  recentOutput (): string {
    return this.output.join('').split('\n').slice(-30).join('\n')
  }
}
