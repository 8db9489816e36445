import { lastMsn, type MediaPlaylist } from '../hls/media-playlist.js'
import { playlistPosition, positionOf, type BlockingTarget } from './msn-waiters.js'
import { parseMediaPlaylist, type ParseLimits } from '../hls/playlist-parser.js'
import type { UpstreamClient, UpstreamFailure } from './upstream-client.js'

export interface PollResult {
  readonly at: number
  readonly playlist?: MediaPlaylist
  /** Why the poll failed, in words fit for logs and the status page. */
  readonly error?: string
  readonly failure?: UpstreamFailure | 'malformed'
}

export interface RenditionPollerOptions {
  /** Media playlist URL on one packager. */
  readonly url: string
  readonly parseLimits: ParseLimits
  /** Used until the playlist tells its own target duration. */
  readonly defaultTargetDurationMs: number
  readonly now: () => number
  readonly onResult: (result: PollResult) => void
  readonly onFetch?: (result: 'ok' | UpstreamFailure | 'malformed') => void
}

/** A poller that saw the newest MSN go backwards polls plainly, at half target durations, for this long. */
const SETTLE_TARGET_DURATIONS = 3

/**
 * Positions below are playlistPosition values: a segment's, or a part's in LL-HLS. A playlist's
 * position is that of its newest part or segment, so a new part is progress as a new segment is.
 */
export interface PollStep {
  /** Position of the previous good answer, if any. */
  readonly before: number | undefined
  readonly newest: number
  /** The position this answer was asked to reach (`_HLS_msn`, `_HLS_part`). */
  readonly blockFor: number | undefined
  /** When the newest MSN last went backwards. */
  readonly rewoundAt: number | undefined
  readonly at: number
  readonly targetMs: number
}

/**
 * Pure: what to ask next after a good answer. Only a higher position (or the one asked for) is
 * progress worth asking again at once; the same one waits half a target duration. A lower one is
 * never progress: for a few target durations after it the packager is not trusted with blocking
 * reloads (each flip of an oscillating packager would answer one at once) and is polled plainly at
 * the pace RFC 8216bis 6.3.4 gives a playlist that did not change.
 */
export function nextPoll (step: PollStep): { readonly blockFor: number | undefined, readonly waitMs: number } {
  const { before, newest, blockFor, rewoundAt, at, targetMs } = step
  if (rewoundAt !== undefined && at - rewoundAt < SETTLE_TARGET_DURATIONS * targetMs) return { blockFor: undefined, waitMs: targetMs / 2 }
  const advanced = before === undefined || newest > before
  const askedAndGot = blockFor !== undefined && newest >= blockFor
  return { blockFor: newest + 1, waitMs: advanced || askedAndGot ? 0 : targetMs / 2 }
}

/** What a blocking reload asks for next: the next part in LL-HLS, else the next segment. */
export function nextAsk (playlist: MediaPlaylist): BlockingTarget {
  const msn = lastMsn(playlist) + 1
  if (playlist.partTargetDuration === undefined) return { msn }
  return { msn, part: playlist.trailingParts?.length ?? 0 }
}

/**
 * Follows one media playlist on one packager. It asks for the next segment (or, in LL-HLS, the
 * next part) with a blocking reload (`_HLS_msn`, `_HLS_part`), so a new segment or part is known
 * the moment the packager has it, without polling traffic
 * that grows with viewers. A packager that does not block (it answers at once with nothing new) is
 * polled every half target duration instead (RFC 8216bis 6.3.4).
 */
export class RenditionPoller {
  private latest: MediaPlaylist | undefined
  private readonly abort = new AbortController()
  private loop: Promise<void> | undefined
  private wake: (() => void) | undefined
  private rewoundAt: number | undefined

  constructor (private readonly client: UpstreamClient, private readonly options: RenditionPollerOptions) {}

  get playlist (): MediaPlaylist | undefined { return this.latest }

  start (): void {
    this.loop ??= this.run()
  }

  async close (): Promise<void> {
    this.abort.abort()
    this.wake?.()
    await this.loop
  }

  private targetMs (): number {
    return this.latest === undefined ? this.options.defaultTargetDurationMs : this.latest.targetDuration * 1000
  }

  private async run (): Promise<void> {
    let blockFor: BlockingTarget | undefined
    while (!this.abort.signal.aborted) {
      const td = this.targetMs()
      const part = blockFor?.part === undefined ? '' : `&_HLS_part=${blockFor.part}`
      const url = blockFor === undefined ? this.options.url : `${this.options.url}?_HLS_msn=${blockFor.msn}${part}`
      // a blocking request may legitimately take up to 3 target durations (RFC 8216bis 6.2.5.2)
      const headersTimeoutMs = blockFor === undefined ? undefined : 3 * td + 1000
      const before = this.latest === undefined ? undefined : positionOf(this.latest)
      const result = await this.client.get(url, { headersTimeoutMs, signal: this.abort.signal })
      if (this.abort.signal.aborted) return
      const at = this.options.now()
      if (!result.ok) {
        this.options.onFetch?.(result.failure)
        // 400: the MSN we asked for is out of range (the packager restarted lower); 503: nothing new
        // in 3 target durations. Either way, look at the playlist as it is now.
        const blockingAnswer = blockFor !== undefined && (result.status === 400 || result.status === 503)
        blockFor = undefined
        if (blockingAnswer) continue
        this.options.onResult({ at, error: result.detail, failure: result.failure })
        await this.sleep(Math.min(1000, td / 2))
        continue
      }
      const parsed = parseMediaPlaylist(result.body.toString('utf8'), this.options.parseLimits)
      if (!parsed.ok) {
        this.options.onFetch?.('malformed')
        this.options.onResult({ at, error: `malformed playlist: ${parsed.reason}`, failure: 'malformed' })
        blockFor = undefined
        await this.sleep(td / 2)
        continue
      }
      this.options.onFetch?.('ok')
      this.latest = parsed.playlist
      this.options.onResult({ at, playlist: parsed.playlist })
      const newest = positionOf(parsed.playlist)
      if (before !== undefined && newest < before) this.rewoundAt = at
      const asked = blockFor === undefined ? undefined : playlistPosition(blockFor.msn, blockFor.part)
      const next = nextPoll({ before, newest, blockFor: asked, rewoundAt: this.rewoundAt, at, targetMs: this.targetMs() })
      blockFor = next.blockFor === undefined ? undefined : nextAsk(parsed.playlist)
      if (next.waitMs > 0) await this.sleep(next.waitMs)
    }
  }

  private async sleep (ms: number): Promise<void> {
    if (this.abort.signal.aborted) return
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms)
      this.wake = () => { clearTimeout(timer); resolve() }
    })
    this.wake = undefined
  }
}
