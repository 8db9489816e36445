import { readFileSync } from 'node:fs'
import { cpus } from 'node:os'

interface CpuTimes { readonly busy: number, readonly total: number, readonly at: number }

/** Whole-machine jiffies from /proc/stat: what "stays within 2 cores" is judged on (Linux only). */
function readCpuTimes (): CpuTimes | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? ''
    const fields = line.trim().split(/\s+/).slice(1).map(Number)
    const idle = (fields[3] ?? 0) + (fields[4] ?? 0)
    const total = fields.reduce((a, b) => a + b, 0)
    return { busy: total - idle, total, at: Date.now() }
  } catch {
    return undefined
  }
}

/**
 * Samples machine CPU use every `intervalMs` while the chaos run lasts: the mean and the busiest
 * interval, in cores. It counts every process on the machine, so on a shared machine it is an
 * upper bound for the run itself.
 */
export class CpuMeter {
  readonly #cores = cpus().length
  readonly #intervalMs: number
  #first: CpuTimes | undefined
  #last: CpuTimes | undefined
  #peakCores = 0
  #timer: NodeJS.Timeout | undefined

  constructor (intervalMs = 5000) { this.#intervalMs = intervalMs }

  start (): void {
    this.#first = readCpuTimes()
    this.#last = this.#first
    this.#timer = setInterval(() => { this.#sample() }, this.#intervalMs)
    this.#timer.unref()
  }

  stop (): { cores: number, meanCores: number, peakCores: number } | undefined {
    clearInterval(this.#timer)
    this.#sample()
    const first = this.#first
    const last = this.#last
    if (first === undefined || last === undefined || last.total === first.total) return undefined
    return { cores: this.#cores, meanCores: this.#cores * (last.busy - first.busy) / (last.total - first.total), peakCores: this.#peakCores }
  }

  #sample (): void {
    const now = readCpuTimes()
    const before = this.#last
    if (now === undefined || before === undefined) return
    if (now.total > before.total) this.#peakCores = Math.max(this.#peakCores, this.#cores * (now.busy - before.busy) / (now.total - before.total))
    this.#last = now
  }
}
