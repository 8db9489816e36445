import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client'
import type { Logger } from '../log/logger.js'
import { planRound } from './assign-round.js'
import type { FleetRegistry } from './fleet-registry.js'

export interface AssignerOptions {
  readonly fleet: FleetRegistry
  /** This assigner's name in the lease: unique per process. */
  readonly holder: string
  readonly intervalMs: number
  /**
   * How long to wait, after the registry lost its records, for every live worker to announce what
   * it runs before placing anything: placing sooner would give a stream whose workers had not
   * beaten yet to another worker, moving a stream that was running fine. At least two heartbeats
   * of the slowest worker and a second (the registry client's reconnect).
   */
  readonly settleMs: number
  readonly log: Logger
  readonly metrics: MetricsRegistry
  /** Tests pass a fake clock. */
  readonly now?: () => number
}

const LEASE = 'assigner'

/**
 * Every ASSIGNER_INTERVAL: takes (or keeps) the assigner lease and, while it holds it, places
 * every stream with planRound and writes the result. Any number run (one per reporter); the lease
 * makes exactly one act, and another takes over within a lease time when it dies. A round that
 * cannot reach the registry changes nothing: workers keep what they run.
 */
export class AssignerLoop {
  readonly #options: AssignerOptions
  readonly #log: Logger
  readonly #rounds: Counter<'result'>
  readonly #unplacedGauge: Gauge
  readonly #leaderGauge: Gauge
  #timer: NodeJS.Timeout | undefined
  #running: Promise<void> | undefined
  #leader = false
  #failing = false
  #unplaced = ''
  #closed = false
  #settledAt = 0
  /** Clock time before which rounds only watch; set when the registry may have lost its records. */
  #settleUntil = 0

  constructor (options: AssignerOptions) {
    this.#options = options
    this.#log = options.log.child({ component: 'assigner' })
    const registers = [options.metrics]
    this.#rounds = new Counter({ name: 'assigner_rounds_total', help: 'Assigner rounds by result: acted (held the lease), standby (another holds it), settling (waiting for workers to re-announce), failed (registry unreachable)', labelNames: ['result'] as const, registers })
    this.#unplacedGauge = new Gauge({ name: 'assigner_unplaced_copies', help: 'Stream copies that fit on no live worker in the last acted round', registers })
    this.#leaderGauge = new Gauge({ name: 'assigner_is_leader', help: '1 while this process holds the assigner lease', registers })
  }

  /** Lease time: three rounds, so one slow round does not hand the lease over. */
  get leaseMs (): number {
    return 3 * this.#options.intervalMs
  }

  /** Assignment records outlive many rounds, so a gap in acting (a lease changing hands) loses none. */
  get assignmentTtlMs (): number {
    return Math.max(30_000, 10 * this.#options.intervalMs)
  }

  get isLeader (): boolean {
    return this.#leader
  }

  start (): void {
    this.#schedule(0)
  }

  /** The registry came back and may be empty: let workers re-announce before placing again. */
  settle (): void {
    this.#settleUntil = this.#now() + this.#options.settleMs
  }

  #now (): number {
    return (this.#options.now ?? Date.now)()
  }

  /** One round now, or the one already running. */
  async runRound (): Promise<void> {
    this.#running ??= this.#round().finally(() => { this.#running = undefined })
    await this.#running
  }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#running
    if (this.#leader) await this.#options.fleet.registry.releaseLease(LEASE, this.#options.holder).catch(() => {})
    this.#setLeader(false)
  }

  #schedule (delayMs: number): void {
    if (this.#closed) return
    this.#timer = setTimeout(() => {
      this.runRound().finally(() => { this.#schedule(this.#options.intervalMs) })
    }, delayMs)
  }

  async #round (): Promise<void> {
    const { fleet, holder } = this.#options
    try {
      const leader = await fleet.registry.acquireLease(LEASE, holder, this.leaseMs)
      this.#setLeader(leader)
      if (!leader) {
        this.#rounds.inc({ result: 'standby' })
        return
      }
      const [streams, workers, assignments] = await Promise.all([fleet.streams(), fleet.workers(), fleet.assignments()])
      // a stream that workers run but that has no assignment record: the registry lost its records
      // (a new stream has no record either, but nobody runs it yet)
      const lost = streams.some((s) => assignments[s.name] === undefined && workers.some((w) => w.running.includes(s.name)))
      if (lost && this.#settleUntil === 0) this.settle()
      if (this.#now() < this.#settleUntil) {
        if (this.#settledAt !== this.#settleUntil) this.#log.info({ settleMs: this.#options.settleMs }, 'registry may have lost its records: waiting for workers to re-announce before placing')
        this.#settledAt = this.#settleUntil
        this.#rounds.inc({ result: 'settling' })
        return
      }
      this.#settleUntil = 0
      const plan = planRound({ streams, workers, assignments })
      await fleet.writeAssignments(plan.assignment, this.assignmentTtlMs, plan.gone)
      this.#report(plan, workers.length)
      this.#rounds.inc({ result: 'acted' })
      if (this.#failing) this.#log.info('registry reachable again: assigning')
      this.#failing = false
    } catch (err) {
      this.#rounds.inc({ result: 'failed' })
      if (!this.#failing) this.#log.warn({ reason: (err as Error).message }, 'assigner round failed: placements stay as they are until the registry answers')
      this.#failing = true
    }
  }

  #setLeader (leader: boolean): void {
    if (leader !== this.#leader) this.#log.info({ holder: this.#options.holder }, leader ? 'took the assigner lease: this process places streams' : 'gave up the assigner lease')
    this.#leader = leader
    this.#leaderGauge.set(leader ? 1 : 0)
  }

  #report (plan: ReturnType<typeof planRound>, workers: number): void {
    for (const move of plan.moves) {
      if (move.action !== 'keep') this.#log.info({ stream: move.stream, worker: move.worker, action: move.action, reason: move.reason }, 'placement changed')
    }
    for (const stream of plan.gone) this.#log.info({ stream }, 'stream removed: its assignment is dropped')
    const missing = plan.unplaced.reduce((sum, u) => sum + u.missing, 0)
    this.#unplacedGauge.set(missing)
    const unplaced = workers === 0 ? 'no workers' : plan.unplaced.map((u) => `${u.stream}:${u.missing}`).join(',')
    if (unplaced !== this.#unplaced) {
      // one machine without a fleet (make run-local): its worker encodes its own stream, nothing is wrong
      if (workers === 0) this.#log.info('no fleet worker is registered: streams wait for one (a worker without WORKER_ID encodes its own stream)')
      else if (unplaced === '') this.#log.info('every stream has all its copies placed')
      else this.#log.warn({ unplaced: plan.unplaced }, 'some stream copies fit on no live worker (capacity, filters or too few workers)')
    }
    this.#unplaced = unplaced
  }
}
