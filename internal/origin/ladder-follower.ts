import type { Logger } from '../log/logger.js'
import type { MediaPlaylist } from '../hls/media-playlist.js'
import type { MasterPlaylist } from '../hls/master-playlist.js'
import type { ParseLimits } from '../hls/playlist-parser.js'
import { serializeMasterPlaylist } from '../hls/playlist-serializer.js'
import { steeredMaster } from './content-steering.js'
import type { OriginMetrics } from './origin-metrics.js'
import type { OriginPathway } from './origin-pathways.js'
import { RenditionPoller, type PollResult } from './rendition-poller.js'
import { learnLayout, type Rendition, type SignalLayout } from './signal-layout.js'
import type { UpstreamClient } from './upstream-client.js'

export interface LadderFollowerOptions {
  readonly signal: string
  readonly sources: readonly string[]
  readonly parseLimits: ParseLimits
  /** Used by a poller until its playlist tells its own target duration. */
  readonly defaultTargetDurationMs: number
  readonly pathways?: readonly OriginPathway[]
  readonly client: UpstreamClient
  readonly metrics: OriginMetrics
  readonly log: Logger
  /** Every answer of every poller, as it arrives. */
  readonly onPoll: (base: string, rendition: string, result: PollResult) => void
}

/**
 * The I/O side of one signal's ladder: learns which renditions it has (from whichever packager
 * answers), then keeps one poller per packager per rendition, until told to learn it again.
 */
export class LadderFollower {
  private layout: SignalLayout | undefined
  private learnedAt: number | undefined
  private masterBody: Buffer | undefined
  private readonly pollers = new Map<string, Map<string, RenditionPoller>>()
  private learning = false
  private retryTimer: NodeJS.Timeout | undefined
  private closed = false

  constructor (private readonly options: LadderFollowerOptions) {}

  /** The ladder as learned from the packagers, before any steering is added. */
  get masterPlaylist (): MasterPlaylist | undefined { return this.layout?.master }

  /** Undefined until a layout is learned. */
  get renditions (): readonly Rendition[] | undefined { return this.layout?.renditions }
  /** The steered master playlist of a ladder; undefined for a one-rendition signal. */
  get master (): Buffer | undefined { return this.masterBody }
  /** Epoch ms when the current layout was learned. */
  get layoutLearnedAt (): number | undefined { return this.learnedAt }

  start (): void { void this.learn() }

  async close (): Promise<void> {
    this.closed = true
    clearTimeout(this.retryTimer)
    await Promise.all(this.allPollers().map(async (p) => await p.close()))
  }

  /** Forgets the layout and its pollers, and learns it again. */
  relearn (): void {
    this.options.log.warn({ renditions: this.renditions?.map((r) => r.key), from: this.layout?.learnedFrom }, 'no packager serves the ladder it was learned from; learning it again')
    const pollers = this.allPollers()
    this.pollers.clear()
    for (const poller of pollers) void poller.close()
    this.layout = undefined
    this.learnedAt = undefined
    this.masterBody = undefined
    void this.learn()
  }

  /** What each packager's pollers hold now, by rendition. */
  latestPlaylists (): Map<string, Map<string, MediaPlaylist>> {
    const latest = new Map<string, Map<string, MediaPlaylist>>()
    for (const [base, byRendition] of this.pollers) {
      const served = new Map<string, MediaPlaylist>()
      for (const [key, poller] of byRendition) if (poller.playlist !== undefined) served.set(key, poller.playlist)
      latest.set(base, served)
    }
    return latest
  }

  private allPollers (): RenditionPoller[] {
    return [...this.pollers.values()].flatMap((byRendition) => [...byRendition.values()])
  }

  private async learn (): Promise<void> {
    if (this.learning) return
    this.learning = true
    const { signal, sources, client, metrics, log, parseLimits } = this.options
    try {
      const layout = await learnLayout(signal, sources, { client, metrics, log, parseLimits }, () => this.closed)
      if (this.closed || this.layout !== undefined) return
      if (layout === undefined) this.retryTimer = setTimeout(() => { void this.learn() }, 1000)
      else this.adopt(layout)
    } finally {
      this.learning = false
    }
  }

  private adopt (layout: SignalLayout): void {
    const { signal, pathways, log } = this.options
    this.layout = layout
    this.learnedAt = Date.now()
    if (layout.master !== undefined) {
      this.masterBody = Buffer.from(serializeMasterPlaylist(pathways === undefined ? layout.master : steeredMaster(layout.master, signal, pathways)))
    }
    log.info({ renditions: layout.renditions.map((r) => r.key), from: layout.learnedFrom }, 'signal layout learned')
    for (const base of this.options.sources) {
      const byRendition = new Map<string, RenditionPoller>()
      for (const rendition of layout.renditions) {
        const poller = new RenditionPoller(this.options.client, {
          url: `${base}/${rendition.playlistPath}`,
          parseLimits: this.options.parseLimits,
          defaultTargetDurationMs: this.options.defaultTargetDurationMs,
          now: Date.now,
          onResult: (result) => this.options.onPoll(base, rendition.key, result),
          onFetch: (result) => this.options.metrics.upstreamFetches.inc({ packager: base, kind: 'playlist', result })
        })
        byRendition.set(rendition.key, poller)
        poller.start()
      }
      this.pollers.set(base, byRendition)
    }
  }
}
