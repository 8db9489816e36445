import { mkdir, readdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { Test } from 'tap'
import { PROJECT_ROOT } from '../support/project-root.js'
import type { CpuMeter } from './cpu-meter.js'
import { PLAYER_KINDS, type PlayerKind } from './hls-player.js'

/** What every chaos runner reads from its environment and prints with: one rule per variable. */
export const say = (line: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`) }

export function envInt (name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name]
  if (raw === undefined || raw === '') return fallback
  const n = Number(raw)
  if (!Number.isInteger(n) || n < min || n > max) throw new Error(`${name}: must be a whole number from ${min} to ${max}, got '${raw}'`)
  return n
}

/** CHAOS_PLAYER_KINDS: a comma-separated subset of the player engines, in order; all three by default. */
export function envKinds (name = 'CHAOS_PLAYER_KINDS', fallback: readonly PlayerKind[] = PLAYER_KINDS): PlayerKind[] {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return [...fallback]
  const kinds = raw.split(',').map((s) => s.trim()).filter((s) => s !== '')
  const bad = kinds.filter((k) => !(PLAYER_KINDS as readonly string[]).includes(k))
  if (bad.length > 0 || kinds.length === 0) throw new Error(`${name}: must be a comma-separated list of ${PLAYER_KINDS.join(', ')}, got '${raw}'`)
  return [...new Set(kinds)] as PlayerKind[]
}

/** CHAOS_ONLY: substrings of fault names; empty keeps every fault. */
export function envOnly (): (name: string) => boolean {
  const only = (process.env.CHAOS_ONLY ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
  return (name) => only.length === 0 || only.some((o) => name.includes(o))
}

/** CHAOS_OUT, else .local/chaos/<prefix><time>; made. */
export async function chaosOutDir (prefix: string): Promise<string> {
  const dir = process.env.CHAOS_OUT ?? join(PROJECT_ROOT, '.local/chaos', `${prefix}${new Date().toISOString().replace(/[:.]/g, '-')}`)
  await mkdir(dir, { recursive: true })
  return dir
}

/** SIGINT/SIGTERM finish the current fault, then clean up. */
export function interruptFlag (): () => boolean {
  let interrupted = false
  const onSignal = (): void => { interrupted = true; say('interrupted: finishing the current fault, then cleaning up') }
  process.once('SIGINT', onSignal)
  process.once('SIGTERM', onSignal)
  return () => interrupted
}

/** The tap Test surface startLocalStack uses (teardown), outside tap. */
export function teardownScope (): { scope: Test, runAll: () => Promise<void> } {
  const fns: Array<() => unknown> = []
  const scope = { teardown: (fn: () => unknown) => { fns.push(fn) } } as unknown as Test
  return { scope, runAll: async () => { for (const fn of fns.reverse()) await fn() } }
}

export function cpuLine (use: ReturnType<CpuMeter['stop']>): string {
  if (use === undefined) return 'machine CPU: not measured (/proc/stat unreadable)'
  return `machine CPU over the run: mean ${use.meanCores.toFixed(2)} of ${use.cores} cores busy, busiest 5 s ${use.peakCores.toFixed(2)} (every process on the machine)`
}

/** Says whether any process whose command line mentions the run's private folder outlived teardown. */
export async function sayStrays (stackDir: string): Promise<void> {
  const left: number[] = []
  if (stackDir !== '') {
    for (const entry of await readdir('/proc').catch(() => [] as string[])) {
      if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue
      const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
      if (cmdline.includes(stackDir)) left.push(Number(entry))
    }
  }
  say(left.length === 0 ? 'cleanup: no process of this run is left' : `cleanup: processes still alive: ${left.join(', ')}`)
}
