import { INITIAL_HANG_STATE, judgeHang, probeEnded, probeSent, type HangPolicy, type HangState } from './edge-hang-detector.js'
import type { EdgeProber } from './edge-prober.js'

interface Watched {
  readonly url: string
  state: HangState
  /** Aborts the probe in flight; undefined while none is. */
  inFlight: AbortController | undefined
  reported: boolean
  /** Probes sent since takeSent() last read them: nginx counts them in its request total. */
  sent: number
}

export interface EdgeHangWatchOptions {
  readonly policy: HangPolicy
  /** Its own prober: hang probes must not queue behind (or hold) the round's probe connections. */
  readonly prober: EdgeProber
  /** Called once per watch when an edge is judged hung; watch() the port again to judge anew. */
  readonly onHung: (port: number, silentMs: number) => void
}

/**
 * The shell around the hang detector: every round it judges each watched edge, then sends it a
 * probe unless one is still awaited. Runs beside the manager's queue, so a slow round there
 * cannot slow the verdict.
 */
export class EdgeHangWatch {
  readonly #policy: HangPolicy
  readonly #prober: EdgeProber
  readonly #onHung: EdgeHangWatchOptions['onHung']
  readonly #edges = new Map<number, Watched>()
  #timer: NodeJS.Timeout | undefined

  constructor (options: EdgeHangWatchOptions) {
    this.#policy = options.policy
    this.#prober = options.prober
    this.#onHung = options.onHung
  }

  start (): void {
    this.#timer ??= setInterval(() => { this.#round() }, this.#policy.roundMs)
  }

  /** Starts judging the edge on `port` from scratch (a replacement on the same port starts clean). */
  watch (port: number, url: string): void {
    this.unwatch(port)
    this.#edges.set(port, { url, state: INITIAL_HANG_STATE, inFlight: undefined, reported: false, sent: 0 })
  }

  unwatch (port: number): void {
    this.#edges.get(port)?.inFlight?.abort()
    this.#edges.delete(port)
  }

  /** How long the edge on `port` has left a probe unanswered (0 when it answers or is not watched). */
  silentMs (port: number, now = Date.now()): number {
    const since = this.#edges.get(port)?.state.waitingSince
    return since === undefined ? 0 : Math.max(0, now - since)
  }

  /** Probes sent to the edge on `port` since the last call, for the load figure to take out. */
  takeSent (port: number): number {
    const watched = this.#edges.get(port)
    if (watched === undefined) return 0
    const sent = watched.sent
    watched.sent = 0
    return sent
  }

  close (): void {
    clearInterval(this.#timer)
    this.#timer = undefined
    for (const port of [...this.#edges.keys()]) this.unwatch(port)
  }

  #round (): void {
    const now = Date.now()
    for (const [port, watched] of this.#edges) {
      if (watched.reported) continue
      const judgement = judgeHang(this.#policy, watched.state, now)
      watched.state = judgement.state
      if (judgement.verdict === 'hung') {
        watched.reported = true
        watched.inFlight?.abort()
        this.#onHung(port, judgement.silentMs)
        continue
      }
      if (watched.inFlight === undefined) this.#send(port, watched, now)
    }
  }

  #send (port: number, watched: Watched, now: number): void {
    const controller = new AbortController()
    watched.inFlight = controller
    watched.sent++
    watched.state = probeSent(watched.state, now)
    // keep waiting through the whole verdict: a late answer still proves the edge is not hung
    const giveUpMs = this.#policy.roundMs * (this.#policy.silentRounds + 1)
    void this.#prober.ping(watched.url, giveUpMs, controller.signal).then((outcome) => {
      if (this.#edges.get(port) !== watched || watched.inFlight !== controller) return
      watched.inFlight = undefined
      watched.state = probeEnded(watched.state, outcome)
    })
  }
}
