import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import type { LocalComponent } from './local-components.js'

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93]
const STOP_GRACE_MS = 8000

interface Running { readonly component: LocalComponent, readonly child: ChildProcess, exited: boolean }

export interface ProcessGroupOptions {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly out: NodeJS.WritableStream
  readonly color: boolean
}

/**
 * Runs several entrypoints as children with one log stream, each line prefixed by the child's
 * name. Stops them all by PID (SIGTERM, then SIGKILL after a grace period); never signals
 * anything it did not start.
 */
export class ProcessGroup {
  private readonly running: Running[] = []
  private closing: Promise<void> | undefined
  private readonly width: number

  constructor (private readonly components: readonly LocalComponent[], private readonly options: ProcessGroupOptions) {
    this.width = Math.max(...components.map((c) => c.name.length))
  }

  start (): void {
    this.components.forEach((component, index) => {
      const env: NodeJS.ProcessEnv = { ...this.options.env, LOG_PRETTY: this.options.env.LOG_PRETTY ?? '1', ...component.env }
      for (const name of component.withhold ?? []) delete env[name]
      const child = spawn(process.execPath, [...(component.nodeArgs ?? ['--import', 'tsx']), component.entry], {
        cwd: this.options.cwd,
        env,
        stdio: ['ignore', 'pipe', 'pipe']
      })
      const running: Running = { component, child, exited: false }
      this.running.push(running)
      const prefix = this.prefix(component.name, index)
      for (const stream of [child.stdout, child.stderr]) {
        if (stream !== null) createInterface({ input: stream }).on('line', (line) => this.options.out.write(`${prefix} ${line}\n`))
      }
      child.on('error', (err) => this.options.out.write(`${prefix} could not start: ${err.message}\n`))
      child.on('exit', (code, signal) => {
        running.exited = true
        if (this.closing === undefined) this.options.out.write(`${prefix} exited (${signal ?? `code ${String(code)}`}); the others keep running\n`)
      })
    })
  }

  /** Process ids of the children still running. */
  get pids (): number[] {
    return this.running.filter((r) => !r.exited && r.child.pid !== undefined).map((r) => r.child.pid as number)
  }

  /**
   * Stops every child still running; idempotent. `alreadySignalledMs`: a Ctrl-C in the terminal
   * reaches every child of the foreground group at once, so they are given that long to finish
   * their own graceful shutdown before a SIGTERM, which they would take as a second signal
   * ("exiting now", skipping the graceful part).
   */
  async close (alreadySignalledMs = 0): Promise<void> {
    this.closing ??= Promise.all([...this.running].reverse().map(async (r) => await this.stop(r, alreadySignalledMs))).then(() => {})
    await this.closing
  }

  private async stop (running: Running, alreadySignalledMs: number): Promise<void> {
    if (running.exited || running.child.pid === undefined) return
    const exited = new Promise<void>((resolve) => running.child.once('exit', () => resolve()))
    if (alreadySignalledMs > 0) {
      let wait: NodeJS.Timeout | undefined
      await Promise.race([exited, new Promise<void>((resolve) => { wait = setTimeout(resolve, alreadySignalledMs) })])
      clearTimeout(wait)
      if (running.exited) return
    }
    running.child.kill('SIGTERM')
    const timer = setTimeout(() => { if (!running.exited) running.child.kill('SIGKILL') }, STOP_GRACE_MS)
    await exited
    clearTimeout(timer)
  }

  private prefix (name: string, index: number): string {
    const label = name.padEnd(this.width)
    if (!this.options.color) return `${label} |`
    return `\u001b[${COLORS[index % COLORS.length] ?? 36}m${label} |\u001b[0m`
  }
}
