import type { Logger } from '../log/logger.js'
import type { FleetAction, FleetFact, FleetGauges, FleetNote, CountChange } from './edge-fleet-state.js'
import { EDGE_STATES } from './edge-fleet-state.js'
import type { EdgeHangWatch } from './edge-hang-watch.js'
import type { EdgeLauncher } from './edge-launcher.js'
import type { EdgeProcess } from './edge-process.js'
import type { EdgeSegmentCounter } from './edge-segment-counter.js'
import type { EdgeStateDir } from './edge-state-dir.js'
import { removeEdgeSeries, type EdgesMetrics } from './edges-metrics.js'
import type { HeartbeatClient } from './heartbeat-client.js'
import { waitUntil } from './process-tools.js'

export const STOP_GRACE_MS = 5000

export interface EdgeFleetExecutorOptions {
  readonly dir: EdgeStateDir
  readonly log: Logger
  readonly metrics: EdgesMetrics
  readonly launcher: EdgeLauncher
  readonly hangWatch: EdgeHangWatch
  readonly segments: EdgeSegmentCounter
  readonly heartbeat: HeartbeatClient
  readonly ttlMs: number
  /** An edge this executor serves died on its own. */
  readonly onDeath: () => void
  /** A drained edge finished stopping in the background. */
  readonly onDrainStopped: (port: number) => void
  readonly isClosing: () => boolean
}

/**
 * Carries out the fleet reducer's actions: owns the edges' processes (by port), starts, kills
 * and stops them, and turns the rest into metrics, logs and heartbeats. An action whose outcome
 * the reducer needs returns it as a fact.
 */
export class EdgeFleetExecutor {
  readonly #o: EdgeFleetExecutorOptions
  /** The processes of the edges in the fleet. */
  readonly #serving = new Map<number, EdgeProcess>()
  /** Started or adopted, waiting for the reducer to take them into the fleet. */
  readonly #pending = new Map<number, EdgeProcess>()
  /** nginx pids of stuck edges killed beside their replacement, for the log line that follows. */
  readonly #stuckPids = new Map<number, number>()
  readonly #stopping = new Set<Promise<void>>()
  readonly #history: CountChange[] = []

  constructor (options: EdgeFleetExecutorOptions) {
    this.#o = options
  }

  /** The process of the edge on `port`, while it is in the fleet. */
  process (port: number): EdgeProcess | undefined {
    return this.#serving.get(port)
  }

  get history (): readonly CountChange[] {
    return this.#history
  }

  /** Ports of edges whose nginx master or watchdog is gone. */
  deadPorts (): number[] {
    return [...this.#serving].filter(([, edge]) => !edge.running).map(([port]) => port)
  }

  /** Keeps the process a leftover's record names until the reducer decides on it. */
  holdLeftover (edge: EdgeProcess): void {
    this.#pending.set(edge.port, edge)
  }

  async carryOut (action: FleetAction): Promise<FleetFact | undefined> {
    const { log, metrics } = this.#o
    switch (action.kind) {
      case 'serve': await this.#serve(action.port, action.origin); return
      case 'serve-replacement': {
        const edge = this.#take(action.port)
        if (edge === undefined) return
        this.#register(edge, false)
        log.warn({
          edge: action.id, reason: action.reason, nginxPid: edge.nginxPid, oldNginxPid: this.#stuckPids.get(action.port), handOverMs: action.handOverMs
        }, 'stuck edge replaced: its replacement answered on the same port before it was killed')
        this.#stuckPids.delete(action.port)
        return
      }
      case 'discard-leftover': await this.#discardLeftover(action.port, action.id, action.running); return
      case 'launch': return await this.#launch(action.count, action.candidates)
      case 'retire': await this.#retire(action); return
      case 'replace-stuck': return { type: 'stuck', port: action.port, serial: action.serial, reason: action.reason, dead: this.deadPorts() }
      case 'start-beside': {
        this.#o.hangWatch.unwatch(action.port)
        // the stuck master's pid file goes, so the launch waits for the replacement's own master
        await this.#o.dir.forget(action.port, true)
        const replacement = await this.#o.launcher.start(action.port, true)
        if (replacement !== undefined) this.#pending.set(action.port, replacement)
        return { type: 'beside-started', port: action.port, ok: replacement !== undefined }
      }
      case 'kill-stuck': {
        const edge = this.#serving.get(action.port)
        if (edge !== undefined) {
          // at once: until the stuck nginx is gone the kernel hands it a share of the new connections
          edge.kill()
          // the edge counts as replaced once the stuck group has exited and closed its socket
          await waitUntil(() => edge.gone, 1000, 5)
          this.#stuckPids.set(action.port, edge.nginxPid)
        }
        this.#drop(action.port, action.id)
        metrics.replacements.inc({ reason: action.reason })
        return { type: 'stuck-gone', port: action.port }
      }
      case 'stop-drained': this.#stopDrained(action.port, action.id); return
      case 'scaled':
        metrics.scaleEvents.inc({ direction: action.direction })
        log.info({ from: action.from, to: action.to, totalRps: Math.round(action.totalRps), targetRps: action.targetRps }, `scaling ${action.direction}`)
        return
      case 'count-change': this.#history.push(action.change); return
      case 'note': this.#note(action.note); return
      case 'gauges': this.#gauges(action.gauges); return
      case 'heartbeat': await this.#o.heartbeat.send(action.edges, this.#o.ttlMs); return
    }
  }

  /** Stops every edge (serving, or started and not yet served) and waits for drained ones still stopping. */
  async stopAll (): Promise<string[]> {
    const edges = [...this.#serving.values(), ...this.#pending.values()]
    this.#serving.clear()
    this.#pending.clear()
    await Promise.all(edges.map(async (edge) => {
      this.#o.segments.remove(edge.port)
      await edge.stop(STOP_GRACE_MS)
      await this.#o.dir.forget(edge.port, true)
      removeEdgeSeries(this.#o.metrics, edge.id)
    }))
    await Promise.all([...this.#stopping])
    return edges.map((e) => e.id)
  }

  async #serve (port: number, origin: 'launched' | 'adopted'): Promise<void> {
    const edge = this.#take(port)
    if (edge === undefined) return
    if (origin === 'adopted') await this.#o.launcher.refreshAdopted(edge)
    this.#register(edge, origin === 'adopted')
    const url = this.#o.launcher.publicUrl(port)
    if (origin === 'adopted') {
      this.#o.metrics.adopted.inc()
      this.#o.log.info({ edge: edge.id, url, nginxPid: edge.nginxPid }, 'edge adopted from a previous manager')
    } else {
      this.#o.log.info({ edge: edge.id, url, nginxPid: edge.nginxPid }, 'edge started')
    }
  }

  #take (port: number): EdgeProcess | undefined {
    const edge = this.#pending.get(port)
    this.#pending.delete(port)
    return edge
  }

  #register (edge: EdgeProcess, adopted: boolean): void {
    this.#serving.set(edge.port, edge)
    this.#o.hangWatch.watch(edge.port, this.#o.launcher.probeUrl(edge.port))
    this.#o.segments.add(edge.port, edge.id, adopted)
    edge.onDeath(() => { this.#o.onDeath() })
  }

  /** The edge leaves the fleet: no more hang probes, segment counts or per-edge series. */
  #drop (port: number, id: string): void {
    this.#serving.delete(port)
    this.#o.hangWatch.unwatch(port)
    this.#o.segments.remove(port)
    removeEdgeSeries(this.#o.metrics, id)
  }

  async #discardLeftover (port: number, id: string, running: boolean): Promise<void> {
    const edge = this.#take(port)
    if (edge !== undefined) this.#track(edge.stop(STOP_GRACE_MS))
    this.#o.log.info({ edge: id, port }, 'left-over edge not adopted (gone, unhealthy or outside the configured range)')
    await this.#o.dir.forget(port, !running)
  }

  async #launch (count: number, candidates: Parameters<EdgeLauncher['pickPorts']>[1]): Promise<FleetFact> {
    const ports = await this.#o.launcher.pickPorts(count, candidates)
    const results = await Promise.all(ports.map(async (port) => {
      const edge = await this.#o.launcher.start(port, false)
      if (edge === undefined) return { port, ok: false }
      if (this.#o.isClosing()) {
        await edge.stop(STOP_GRACE_MS)
        return { port, ok: false }
      }
      this.#pending.set(port, edge)
      return { port, ok: true }
    }))
    return { type: 'launched', requested: count, results }
  }

  async #retire (action: Extract<FleetAction, { kind: 'retire' }>): Promise<void> {
    const edge = this.#serving.get(action.port)
    this.#drop(action.port, action.id)
    // a stuck nginx is killed; a dead master's worker is left to its watchdog's hand-over, so a
    // URL still in the playlists never refuses a connection while the replacement starts
    if (action.reason === 'exited') edge?.release()
    else if (edge !== undefined) {
      edge.kill()
      // a killed group closes its socket as it exits, not at the signal: the launch that follows
      // checks the port, and would move the edge elsewhere while the old group still holds it
      await waitUntil(() => edge.gone, 1000, 5)
    }
    if (action.replaced) this.#o.metrics.replacements.inc({ reason: action.reason })
    this.#o.log.warn({ edge: action.id, reason: action.reason, state: action.state }, action.replaced ? 'edge died, replacing it' : 'draining edge died')
    // the same port keeps the edge's id, URL and (on disk) cache
    await this.#o.dir.forget(action.port, true)
  }

  #stopDrained (port: number, id: string): void {
    const edge = this.#serving.get(port)
    this.#drop(port, id)
    this.#track((async () => {
      await edge?.stop(STOP_GRACE_MS)
      await this.#o.dir.forget(port, false)
      this.#o.onDrainStopped(port)
      this.#o.log.info({ edge: id }, 'drained edge stopped')
    })())
  }

  #note (note: FleetNote): void {
    const log = this.#o.log
    switch (note.event) {
      case 'unhealthy': log.warn({ edge: note.id }, 'edge failed its health probe: out of the heartbeat'); return
      case 'healthy-again': log.info({ edge: note.id, failures: note.failures }, 'edge healthy again'); return
      case 'draining': log.info({ edge: note.id, drainMs: note.drainMs }, 'edge draining: announced as draining (no new segments), stopped after the drain time'); return
      case 'revived': log.info({ edge: note.id }, 'draining edge taken back into service'); return
      case 'launch-short': log.warn({ wanted: note.wanted, running: note.running }, 'could not start every edge wanted; retrying next round'); return
      case 'beside-failed': log.warn({ edge: note.id, reason: note.reason }, 'replacement beside the stuck edge did not start; edge killed, starting it anew')
    }
  }

  #gauges (gauges: FleetGauges): void {
    const metrics = this.#o.metrics
    metrics.count.set(gauges.count)
    metrics.desired.set(gauges.desired)
    for (const state of EDGE_STATES) metrics.byState.set({ state }, gauges.byState[state])
    for (const { id, rps } of gauges.loadRps) metrics.loadRps.set({ edge: id }, rps)
  }

  #track (work: Promise<void>): void {
    const tracked = work.catch((err: unknown) => { this.#o.log.error({ err }, 'stopping an edge failed') }).finally(() => this.#stopping.delete(tracked))
    this.#stopping.add(tracked)
  }
}
