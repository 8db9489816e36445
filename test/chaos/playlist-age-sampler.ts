import { DEFAULT_PARSE_LIMITS, parseMasterPlaylist, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import { lastMsn } from '../../internal/hls/media-playlist.js'

export interface AgeSample {
  readonly at: number
  /** Seconds from the end of the newest listed segment (by PROGRAM-DATE-TIME) to now; undefined on a failed fetch. */
  readonly ageS: number | undefined
  readonly lastMsn: number | undefined
}

/**
 * Polls the origin's first media playlist and records how old its newest segment is: the curve a
 * frozen output shows as a ramp. Also notes when each new segment first appeared.
 */
export class PlaylistAgeSampler {
  readonly samples: AgeSample[] = []
  /** When each new newest MSN was first seen. */
  readonly arrivals: Array<{ at: number, msn: number }> = []
  private timer: NodeJS.Timeout | undefined
  private mediaUrl: string | undefined
  private busy = false

  constructor (private readonly entryUrl: string, private readonly intervalMs = 500) {}

  start (): void {
    this.timer = setInterval(() => { void this.sample() }, this.intervalMs)
  }

  close (): void {
    clearInterval(this.timer)
  }

  /** Longest wait between two new segments whose second arrival falls in [from, to). */
  maxGapMs (from: number, to: number): number {
    let max = 0
    for (let i = 1; i < this.arrivals.length; i++) {
      const a = this.arrivals[i] as { at: number }
      if (a.at >= from && a.at < to) max = Math.max(max, a.at - (this.arrivals[i - 1] as { at: number }).at)
    }
    return max
  }

  private async sample (): Promise<void> {
    if (this.busy) return
    this.busy = true
    const at = Date.now()
    try {
      if (this.mediaUrl === undefined) {
        const text = await (await fetch(this.entryUrl, { signal: AbortSignal.timeout(3000) })).text()
        const master = parseMasterPlaylist(text, { ...DEFAULT_PARSE_LIMITS, allowAbsoluteVariantUris: true })
        const first = master.ok ? master.playlist.variants[0] : undefined
        // the origin's own media playlist, also when the variants are offered on edges
        this.mediaUrl = first !== undefined ? new URL(new URL(first.uri, this.entryUrl).pathname, this.entryUrl).href : this.entryUrl
      }
      const res = await fetch(this.mediaUrl, { signal: AbortSignal.timeout(3000) })
      const parsed = parseMediaPlaylist(await res.text(), { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true })
      if (res.status !== 200 || !parsed.ok) throw new Error('no playlist')
      const newest = parsed.playlist.segments[parsed.playlist.segments.length - 1]
      const msn = lastMsn(parsed.playlist)
      const end = newest?.programDateTimeMs === undefined ? undefined : newest.programDateTimeMs + newest.duration * 1000
      this.samples.push({ at, ageS: end === undefined ? undefined : Math.max(0, (Date.now() - end) / 1000), lastMsn: msn })
      const previous = this.arrivals[this.arrivals.length - 1]
      if (previous === undefined || msn > previous.msn) this.arrivals.push({ at, msn })
    } catch {
      this.samples.push({ at, ageS: undefined, lastMsn: undefined })
    } finally {
      this.busy = false
    }
  }
}
