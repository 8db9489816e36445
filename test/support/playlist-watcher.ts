import { DEFAULT_PARSE_LIMITS, parseMasterPlaylist, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import { checkPlaylistUpdate, recordPlaylist, EMPTY_HISTORY, type PlaylistHistory, type Violation } from '../../internal/hls/playlist-rules.js'
import { lastMsn } from '../../internal/hls/media-playlist.js'

export interface WatcherReport {
  readonly polls: number
  readonly violations: ReadonlyArray<Violation & { readonly url: string, readonly at: number }>
  readonly httpErrors: ReadonlyArray<{ readonly url: string, readonly status: number | string, readonly at: number }>
  readonly segmentsFetched: number
  /** Segments listed as EXT-X-GAP (not fetched), counted once per rendition. */
  readonly gapSegments: number
  /** Longest time between two new segments appearing, per media playlist URL, ms. */
  readonly maxGapMs: Readonly<Record<string, number>>
  /** Distinct hosts that served each MSN (a change is allowed only when the edge set changes). */
  readonly hostsByMsn: ReadonlyMap<string, ReadonlySet<string>>
  /** MSNs (per media playlist URL) that carried EXT-X-DISCONTINUITY. */
  readonly discontinuities: readonly string[]
  readonly targetDurationS: number
}

interface RenditionWatch {
  readonly url: string
  history: PlaylistHistory
  lastNewAt?: number
  maxGapMs: number
  newestSeen: number
}

/**
 * Watches an HLS stream as a strict player would: reloads every media playlist, checks each
 * reload against every earlier one (RFC 8216bis 6.2 via the rule checker) and fetches every newly
 * listed segment. Bounded: it stops when asked or at `maxDurationMs`.
 */
export class PlaylistWatcher {
  private stopped = false
  private loops: Array<Promise<void>> = []
  private polls = 0
  private segmentsFetched = 0
  private readonly gapSegments = new Set<string>()
  private targetDurationS = 0
  private readonly violations: Array<Violation & { url: string, at: number }> = []
  private readonly httpErrors: Array<{ url: string, status: number | string, at: number }> = []
  private readonly watches: RenditionWatch[] = []
  private readonly hostsByMsn = new Map<string, Set<string>>()
  private readonly discontinuities = new Set<string>()
  private readonly pending = new Set<Promise<void>>()
  private readonly deadline: number

  constructor (private readonly entryUrl: string, private readonly options: { pollMs?: number, maxDurationMs?: number } = {}) {
    this.deadline = Date.now() + (options.maxDurationMs ?? 10 * 60_000)
  }

  async start (): Promise<void> {
    const res = await fetch(this.entryUrl)
    if (res.status !== 200) throw new Error(`entry playlist answered ${res.status}`)
    const text = await res.text()
    // edges offered as steering pathways list their variants on edge hosts
    const master = parseMasterPlaylist(text, { ...DEFAULT_PARSE_LIMITS, allowAbsoluteVariantUris: true })
    const urls = master.ok ? master.playlist.variants.map((v) => new URL(v.uri, this.entryUrl).href) : [this.entryUrl]
    for (const url of urls) {
      const watch: RenditionWatch = { url, history: EMPTY_HISTORY, maxGapMs: 0, newestSeen: -1 }
      this.watches.push(watch)
      this.loops.push(this.follow(watch))
    }
  }

  /** Stops reloading, waits for segment fetches under way, and reports. */
  async stop (): Promise<WatcherReport> {
    this.stopped = true
    await Promise.all(this.loops)
    await Promise.all([...this.pending])
    return {
      polls: this.polls,
      violations: this.violations,
      httpErrors: this.httpErrors,
      segmentsFetched: this.segmentsFetched,
      gapSegments: this.gapSegments.size,
      maxGapMs: Object.fromEntries(this.watches.map((w) => [w.url, w.maxGapMs])),
      hostsByMsn: this.hostsByMsn,
      discontinuities: [...this.discontinuities],
      targetDurationS: this.targetDurationS
    }
  }

  private async follow (watch: RenditionWatch): Promise<void> {
    while (!this.stopped && Date.now() < this.deadline) {
      await this.reload(watch)
      await new Promise((resolve) => setTimeout(resolve, this.options.pollMs ?? 250))
    }
  }

  private async reload (watch: RenditionWatch): Promise<void> {
    const at = Date.now()
    this.polls += 1
    let text: string
    try {
      const res = await fetch(watch.url, { signal: AbortSignal.timeout(10_000) })
      text = await res.text()
      if (res.status !== 200) { this.httpErrors.push({ url: watch.url, status: res.status, at }); return }
    } catch (err) {
      this.httpErrors.push({ url: watch.url, status: err instanceof Error ? err.message : String(err), at })
      return
    }
    // the origin's output lists segments on edge hosts
    const parsed = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true, cmaf: true })
    if (!parsed.ok) {
      this.violations.push({ rule: 'segment-changed', detail: `unparseable playlist: ${parsed.reason}`, url: watch.url, at })
      return
    }
    const playlist = parsed.playlist
    this.targetDurationS = playlist.targetDuration
    for (const v of checkPlaylistUpdate(watch.history, playlist, at)) this.violations.push({ ...v, url: watch.url, at })
    watch.history = recordPlaylist(watch.history, playlist, at)
    for (const segment of playlist.segments) if (segment.discontinuity) this.discontinuities.add(`${new URL(watch.url).pathname}#${segment.msn}`)
    const newest = lastMsn(playlist)
    if (newest > watch.newestSeen) {
      if (watch.lastNewAt !== undefined && watch.newestSeen >= 0) watch.maxGapMs = Math.max(watch.maxGapMs, at - watch.lastNewAt)
      watch.lastNewAt = at
      for (const segment of playlist.segments) {
        if (segment.msn <= watch.newestSeen) continue
        const url = new URL(segment.uri, watch.url)
        const key = `${watch.url}#${segment.msn}`
        const hosts = this.hostsByMsn.get(key) ?? new Set<string>()
        hosts.add(url.host)
        this.hostsByMsn.set(key, hosts)
        // EXT-X-GAP: players skip it, and there is nothing behind the URI
        if (segment.gap === true) this.gapSegments.add(key)
        else this.track(this.fetchSegment(url.href))
      }
      watch.newestSeen = newest
    } else {
      for (const segment of playlist.segments) this.hostsByMsn.get(`${watch.url}#${segment.msn}`)?.add(new URL(segment.uri, watch.url).host)
    }
  }

  private async fetchSegment (url: string): Promise<void> {
    const at = Date.now()
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(15_000) })
      const body = await res.arrayBuffer()
      if (res.status !== 200 || body.byteLength === 0) this.httpErrors.push({ url, status: res.status, at })
      else this.segmentsFetched += 1
    } catch (err) {
      this.httpErrors.push({ url, status: err instanceof Error ? err.message : String(err), at })
    }
  }

  private track (promise: Promise<void>): void {
    this.pending.add(promise)
    void promise.finally(() => this.pending.delete(promise))
  }
}

/** One line for a test's output: what was watched and the first few problems. */
export function summarizeReport (report: WatcherReport): string {
  return JSON.stringify({
    polls: report.polls,
    segmentsFetched: report.segmentsFetched,
    violations: report.violations.slice(0, 5),
    httpErrors: report.httpErrors.slice(0, 5),
    maxGapMs: report.maxGapMs
  })
}
