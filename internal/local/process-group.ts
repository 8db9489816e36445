import { ChildSupervisor } from '../process/child-supervisor.js'
import type { LocalComponent } from './local-components.js'

const COLORS = [36, 33, 35, 32, 34, 91, 96, 93]
const STOP_GRACE_MS = 8000

interface Running { readonly component: LocalComponent, readonly child: ChildSupervisor }

export interface ProcessGroupOptions {
  readonly cwd: string
  readonly env: NodeJS.ProcessEnv
  readonly out: NodeJS.WritableStream
  readonly color: boolean
}

/**
 * Runs several entrypoints as children with one log stream, each line prefixed by the child's
 * name. Stops them all by PID (SIGTERM, then SIGKILL after a grace period); never signals
 * anything it did not start. The children stay in our process group, so a terminal's Ctrl-C
 * reaches each of them.
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
      const command = component.programArgs !== undefined
        ? { file: component.entry, args: [...component.programArgs] }
        : { file: process.execPath, args: [...(component.nodeArgs ?? ['--import', 'tsx']), component.entry] }
      const child = new ChildSupervisor({ ...command, cwd: this.options.cwd, env })
      this.running.push({ component, child })
      const prefix = this.prefix(component.name, index)
      child.on('line', ({ line }) => this.options.out.write(`${prefix} ${line}\n`))
      child.on('failed', ({ error }) => this.options.out.write(`${prefix} could not start: ${error?.message ?? 'it exited'}\n`))
      // close() releases every child first, so a stop asked for is never told as a crash
      child.on('died', ({ code, signal }) => this.options.out.write(`${prefix} exited (${signal ?? `code ${String(code)}`}); the others keep running\n`))
      child.start().catch(() => {})
    })
  }

  /** Process ids of the children still running. */
  get pids (): number[] {
    return this.running.flatMap((r) => r.child.pid ?? [])
  }

  /**
   * Stops every child still running; idempotent. `alreadySignalledMs`: a Ctrl-C in the terminal
   * reaches every child of the foreground group at once, so they are given that long to finish
   * their own graceful shutdown before a SIGTERM, which they would take as a second signal
   * ("exiting now", skipping the graceful part).
   */
  async close (alreadySignalledMs = 0): Promise<void> {
    for (const r of this.running) r.child.release()
    this.closing ??= Promise.all([...this.running].reverse().map(async (r) => await this.stop(r, alreadySignalledMs))).then(() => {})
    await this.closing
  }

  private async stop (running: Running, alreadySignalledMs: number): Promise<void> {
    if (!running.child.running) return
    if (alreadySignalledMs > 0 && await running.child.waitForExit(alreadySignalledMs)) return
    await running.child.close(STOP_GRACE_MS)
  }

  private prefix (name: string, index: number): string {
    const label = name.padEnd(this.width)
    if (!this.options.color) return `${label} |`
    return `\u001b[${COLORS[index % COLORS.length] ?? 36}m${label} |\u001b[0m`
  }
}
