import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import type { PlayerKind } from './player-page.js'
import { startPlayerServer, type PlayerServer } from './player-server.js'

export type { PlayerKind } from './player-page.js'
export { PLAYER_KINDS } from './player-page.js'

export const CHROMIUM_PATH = '/usr/bin/chromium'

const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync', '--autoplay-policy=no-user-gesture-required']

export interface PlayerSample {
  readonly at: number
  readonly currentTime: number
  /** Seconds buffered ahead of the playhead. */
  readonly bufferAhead: number
  readonly dropped: number
  readonly frames: number
  readonly readyState: number
  readonly paused: boolean
  readonly latency: number
  readonly level: number
  /** Wall clock minus the PROGRAM-DATE-TIME of the frame on screen, seconds; null where the engine does not tell. */
  readonly pdtLatency: number | null
}

export interface PlayerError {
  readonly at: number
  readonly type: string
  readonly details: string
  readonly fatal: boolean
  readonly url?: string
  readonly code?: number | null
  readonly reason?: string
}

export interface PlayerReport {
  readonly kind: PlayerKind
  readonly began: boolean
  readonly beganAt: number | undefined
  /** `waiting` after playback began, with how long until `playing` (an unfinished one ends at stop). */
  readonly stalls: ReadonlyArray<{ readonly at: number, readonly ms: number }>
  readonly errors: readonly PlayerError[]
  /** What the browser itself saw fail: answers >= 400 and failed requests (aborts by the player excluded). */
  readonly httpErrors: ReadonlyArray<{ readonly at: number, readonly url: string, readonly status: number | string }>
  readonly abortedRequests: number
  readonly samples: readonly PlayerSample[]
  readonly log: ReadonlyArray<{ readonly at: number, readonly what: string }>
  /** Media seconds played per wall second after playback began (1.0 = never held up). */
  readonly progressRatio: number
  readonly droppedFrames: number
  readonly totalFrames: number
  /** Media playlist requests, and how many asked for a delta update (_HLS_skip) or a part (_HLS_part). */
  readonly playlistRequests: { readonly total: number, readonly skip: number, readonly part: number }
  /** Hosts that answered playlists and segments with 200: when each was first and last used, how often. */
  readonly servedBy: ReadonlyArray<{ readonly host: string, readonly first: number, readonly last: number, readonly count: number }>
}

interface Drained {
  samples: PlayerSample[]
  errors: PlayerError[]
  stalls: Array<{ at: number, ms: number }>
  log: Array<{ at: number, what: string }>
  began: boolean
  stalledNow: boolean
  stallStart: number
}

export interface BrowserPlayerOptions {
  readonly pullMs?: number
  /** The engine: hls.js (the default), Shaka Player, or video.js with VHS. */
  readonly kind?: PlayerKind
  /** Handed to the engine as is: hls.js config, Shaka `configure()` object, VHS options. */
  readonly config?: Readonly<Record<string, unknown>>
}

/**
 * One browser player (hls.js by default, or Shaka Player, or video.js 8 with VHS) in headless
 * Debian Chromium (never a downloaded browser), watching `entryUrl` muted. It collects stalls,
 * the engine's errors with their fatal flag, browser-level HTTP failures, and a 4 Hz timeline of
 * playhead and buffer, the same PlayerReport for every engine. `close()` is idempotent and leaves
 * no browser process behind.
 */
export class HlsBrowserPlayer {
  private context: BrowserContext | undefined
  private page: Page | undefined
  private server: PlayerServer | undefined
  private userDataDir: string | undefined
  private pullTimer: NodeJS.Timeout | undefined
  private closing: Promise<PlayerReport> | undefined
  private began = false
  private beganAt: number | undefined
  private aborted = 0
  private readonly samples: PlayerSample[] = []
  private readonly errors: PlayerError[] = []
  private readonly stalls: Array<{ at: number, ms: number }> = []
  private readonly log: Array<{ at: number, what: string }> = []
  private readonly httpErrors: Array<{ at: number, url: string, status: number | string }> = []
  private readonly servedBy = new Map<string, { host: string, first: number, last: number, count: number }>()
  private readonly playlistRequests = { total: 0, skip: 0, part: 0 }
  private lastDrain: Drained | undefined

  readonly kind: PlayerKind

  constructor (private readonly entryUrl: string, private readonly options: BrowserPlayerOptions = {}) {
    this.kind = options.kind ?? 'hlsjs'
  }

  async start (): Promise<void> {
    this.server = await startPlayerServer()
    this.userDataDir = await mkdtemp(join(tmpdir(), 'chaos-chromium-'))
    this.context = await chromium.launchPersistentContext(this.userDataDir, { executablePath: CHROMIUM_PATH, headless: true, args: CHROMIUM_ARGS })
    const page = this.context.pages()[0] ?? await this.context.newPage()
    this.page = page
    const streamHost = new URL(this.entryUrl).host
    page.on('request', (req) => {
      const url = new URL(req.url())
      if (!url.pathname.endsWith('.m3u8')) return
      this.playlistRequests.total += 1
      if (url.searchParams.has('_HLS_skip')) this.playlistRequests.skip += 1
      if (url.searchParams.has('_HLS_part')) this.playlistRequests.part += 1
    })
    page.on('response', (res) => {
      if (res.status() >= 400 && new URL(res.url()).host !== new URL(page.url()).host) this.httpErrors.push({ at: Date.now(), url: res.url(), status: res.status() })
      if (res.status() === 200 && /\.(?:m3u8|ts|m4s|mp4)(?:\?|$)/.test(res.url())) this.noteServed(new URL(res.url()).host)
    })
    page.on('requestfailed', (req) => {
      const failure = req.failure()?.errorText ?? 'failed'
      // players abort their own requests on level switches and reload races: not a server failure
      if (failure.includes('ERR_ABORTED')) { this.aborted += 1; return }
      if (new URL(req.url()).host === streamHost || /\.(?:ts|m4s|mp4|m3u8)(?:\?|$)/.test(req.url())) this.httpErrors.push({ at: Date.now(), url: req.url(), status: failure })
    })
    // HLS_PLAYER_CONSOLE=1: the page's console (hls.js with `debug: true` in its config) in the report's log
    if (process.env.HLS_PLAYER_CONSOLE !== undefined) page.on('console', (msg) => { this.log.push({ at: Date.now(), what: `console ${msg.type()}: ${msg.text().slice(0, 300)}` }) })
    page.on('crash', () => this.errors.push({ at: Date.now(), type: 'browser', details: 'page crashed', fatal: true }))
    await page.goto(this.server.pageUrl(this.entryUrl, this.kind, this.options.config))
    this.pullTimer = setInterval(() => { void this.pull() }, this.options.pullMs ?? 1000)
  }

  /** Resolves once the video is playing, or throws after `timeoutMs` with what the player logged. */
  async waitUntilPlaying (timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!this.began) {
      if (Date.now() > deadline) throw new Error(`player did not start: ${JSON.stringify({ errors: this.errors.slice(0, 5), httpErrors: this.httpErrors.slice(0, 5), log: this.log.slice(-5) })}`)
      await new Promise((resolve) => setTimeout(resolve, 250))
      await this.pull()
    }
  }

  /** Hosts that answered 200 so far, as the report will list them: which edge a player uses now. */
  servedBySoFar (): PlayerReport['servedBy'] { return [...this.servedBy.values()].map((s) => ({ ...s })) }

  /** Samples so far (for live plotting); the final report has all of them. */
  get sampleCount (): number { return this.samples.length }

  /** Counters so far, so a runner can attribute them to the fault under way. */
  snapshot (): { stalls: number, stallMs: number, errors: readonly PlayerError[], httpErrors: number, stalledNow: boolean } {
    const open = this.lastDrain?.stalledNow === true ? Date.now() - this.lastDrain.stallStart : 0
    return {
      stalls: this.stalls.length + (this.lastDrain?.stalledNow === true ? 1 : 0),
      stallMs: this.stalls.reduce((sum, s) => sum + s.ms, 0) + open,
      errors: [...this.errors],
      httpErrors: this.httpErrors.length,
      stalledNow: this.lastDrain?.stalledNow === true
    }
  }

  private pulling: Promise<void> | undefined
  private async pull (): Promise<void> {
    this.pulling ??= (async () => {
      try {
        const page = this.page
        if (page === undefined || page.isClosed()) return
        const d = await page.evaluate(() => (globalThis as unknown as { __chaos?: { drain: () => unknown } }).__chaos?.drain()) as Drained | undefined
        if (d === undefined) return
        this.lastDrain = d
        this.samples.push(...d.samples)
        this.errors.push(...d.errors)
        this.stalls.push(...d.stalls)
        this.log.push(...d.log)
        if (d.began && !this.began) {
          this.began = true
          this.beganAt = d.log.find((l) => l.what === 'playback began')?.at ?? Date.now()
        }
      } catch {
        // a page that is closing or navigating: the next pull (or close) gets the rest
      } finally {
        this.pulling = undefined
      }
    })()
    await this.pulling
  }

  /** Stops the player, drains the page a last time and reports. Idempotent. */
  async close (): Promise<PlayerReport> {
    this.closing ??= (async () => {
      clearInterval(this.pullTimer)
      await this.pulling
      await this.pull()
      const stallsAtEnd = [...this.stalls]
      if (this.lastDrain?.stalledNow === true) stallsAtEnd.push({ at: this.lastDrain.stallStart, ms: Date.now() - this.lastDrain.stallStart })
      await this.shutdownBrowser()
      return this.report(stallsAtEnd)
    })()
    return await this.closing
  }

  private async shutdownBrowser (): Promise<void> {
    const dir = this.userDataDir
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise((resolve) => { timer = setTimeout(resolve, 10_000) })
    // a timer left pending would hold the test process open 10 s after its last test
    await Promise.race([this.context?.close().catch(() => {}), deadline]).finally(() => clearTimeout(timer))
    // if chromium did not go, its own processes (found by our private profile dir) are killed by PID
    if (dir !== undefined) {
      for (const pid of await pidsWithArgument(`--user-data-dir=${dir}`)) {
        try { process.kill(pid, 'SIGKILL') } catch {}
      }
      await rm(dir, { recursive: true, force: true }).catch(() => {})
    }
    await this.server?.close()
  }

  private noteServed (host: string): void {
    const now = Date.now()
    const seen = this.servedBy.get(host) ?? { host, first: now, last: now, count: 0 }
    seen.last = now
    seen.count += 1
    this.servedBy.set(host, seen)
  }

  private report (stalls: Array<{ at: number, ms: number }>): PlayerReport {
    const played = this.samples.filter((s) => this.beganAt !== undefined && s.at >= this.beganAt)
    const first = played[0]
    const last = played[played.length - 1]
    const wall = first !== undefined && last !== undefined ? (last.at - first.at) / 1000 : 0
    const media = first !== undefined && last !== undefined ? last.currentTime - first.currentTime : 0
    const lastSample = this.samples[this.samples.length - 1]
    return {
      kind: this.kind,
      began: this.began,
      beganAt: this.beganAt,
      stalls,
      errors: this.errors,
      httpErrors: this.httpErrors,
      abortedRequests: this.aborted,
      samples: this.samples,
      log: this.log,
      progressRatio: wall > 0 ? media / wall : 0,
      droppedFrames: lastSample?.dropped ?? 0,
      totalFrames: lastSample?.frames ?? 0,
      playlistRequests: { ...this.playlistRequests },
      servedBy: [...this.servedBy.values()]
    }
  }
}

/** PIDs of live processes whose command line holds `argument` (read from /proc; nothing is matched by name). */
export async function pidsWithArgument (argument: string): Promise<number[]> {
  const pids: number[] = []
  for (const entry of await readdir('/proc').catch(() => [] as string[])) {
    if (!/^\d+$/.test(entry)) continue
    const cmdline = await readFile(`/proc/${entry}/cmdline`, 'utf8').catch(() => '')
    if (cmdline.split('\0').includes(argument)) pids.push(Number(entry))
  }
  return pids
}
