// The real OriginService in-process on 127.0.0.1:0, plus what the origin tests share: two fake
// packagers lined up on one epoch timeline, a raw HTTP client that sends paths unnormalized, a
// Prometheus text reader, and a rule checker that remembers every playlist the test fetched.
import { request as httpRequest } from 'node:http'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import type { Test } from 'tap'
import { pino } from 'pino'
import { loadOriginConfig } from '../../internal/origin/origin-config.js'
import { OriginService } from '../../internal/origin/origin-service.js'
import { parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import type { MediaPlaylist, Segment } from '../../internal/hls/media-playlist.js'
import { checkPlaylistUpdate, recordPlaylist, EMPTY_HISTORY, type PlaylistHistory, type Violation } from '../../internal/hls/playlist-rules.js'
import { freePort } from './free-port.js'
import { waitFor } from './wait-for.js'
import { epochMsn, startFakeLivePackager, type FakeLivePackager } from './fake-live-packager.js'

interface TapLike { teardown: (fn: () => unknown) => void }

export interface OriginUnderTest {
  readonly service: OriginService
  /** http://127.0.0.1:<port> */
  readonly url: string
  readonly port: number
}

export interface OriginOptions {
  readonly packagers: readonly string[]
  /** Default: a port nothing listens on (the origin then relies on its own probes). */
  readonly reporterUrl?: string
  readonly recoveryHold?: string
  readonly env?: Readonly<Record<string, string>>
}

export async function startOrigin (t: TapLike, options: OriginOptions): Promise<OriginUnderTest> {
  const reporterUrl = options.reporterUrl ?? `http://127.0.0.1:${await freePort()}`
  const config = loadOriginConfig({
    HOST: '127.0.0.1',
    ORIGIN_PORT: '0',
    PACKAGER_ALLOWLIST: options.packagers.join(','),
    REPORTER_URL: reporterUrl,
    LOG_LEVEL: 'silent',
    RECOVERY_HOLD: options.recoveryHold ?? '2s',
    // scripted edges listen on free loopback ports; tests of the allow-list pass their own
    EDGE_ALLOWLIST: 'http://127.0.0.1:1-65535',
    ...options.env
  })
  const service = new OriginService(config, pino({ level: 'silent' }))
  t.teardown(async () => { await service.close() })
  await service.start()
  return { service, url: `http://127.0.0.1:${service.port}`, port: service.port }
}

export interface Pair { readonly a: FakeLivePackager, readonly b: FakeLivePackager }

/** Packagers "A" and "B" for live01 (renditions hi and lo, TD 1 s, window 6) on the same epoch MSNs. */
/**
 * A scripted reporter on a free port: GET /ingests and GET /edges answer whatever the callbacks
 * return at that poll (no edges when `edges` is not given). Resolves to its base URL.
 */
export async function startScriptedReporter (t: TapLike, answers: { ingests: () => unknown, edges?: () => unknown }): Promise<string> {
  const reporter = Fastify()
  reporter.get('/ingests', async () => answers.ingests())
  reporter.get('/edges', async () => answers.edges?.() ?? [])
  await reporter.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await reporter.close() })
  return `http://127.0.0.1:${(reporter.server.address() as AddressInfo).port}`
}

export async function startPair (t: TapLike): Promise<Pair> {
  const lastMsn = epochMsn(1)
  const a = await startFakeLivePackager(t, { name: 'A', lastMsn })
  const b = await startFakeLivePackager(t, { name: 'B', lastMsn })
  return { a, b }
}

/** A pair and an origin in front of it, with the first output already served. */
export async function startPairAndOrigin (t: TapLike, options: Omit<OriginOptions, 'packagers'> = {}): Promise<Pair & { origin: OriginUnderTest }> {
  const pair = await startPair(t)
  const origin = await startOrigin(t, { ...options, packagers: [pair.a.url, pair.b.url] })
  await waitFor('the origin to serve live01', async () => (await fetch(`${origin.url}/live01/hi/playlist.m3u8`)).status === 200, { timeoutMs: 10_000, intervalMs: 50 })
  return { ...pair, origin }
}

export interface TextAnswer { readonly status: number, readonly text: string, readonly headers: Headers }

export async function get (url: string, timeoutMs = 15_000): Promise<TextAnswer> {
  const res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs) })
  return { status: res.status, text: await res.text(), headers: res.headers }
}

/** GET with the path sent byte for byte (fetch would resolve "..", "%2e%2e" before sending). */
export async function rawGet (port: number, path: string): Promise<{ status: number, body: string }> {
  return await new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, method: 'GET', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }))
      res.on('error', reject)
    })
    req.on('timeout', () => req.destroy(new Error(`no answer for ${path}`)))
    req.on('error', reject)
    req.end()
  })
}

/** Sum of a metric's samples whose labels include every given label (Prometheus text format). */
export function metricValue (metricsText: string, name: string, labels: Readonly<Record<string, string>> = {}): number {
  let total = 0
  for (const line of metricsText.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue
    const wanted = Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`))
    if (!wanted) continue
    total += Number(line.slice(line.lastIndexOf(' ') + 1))
  }
  return total
}

export async function metrics (origin: OriginUnderTest): Promise<string> {
  return (await get(`${origin.url}/metrics`)).text
}

/**
 * Every output playlist a test fetched, checked against every earlier one for the same URL with
 * the rule checker (RFC 8216bis 6.2), as a strict player would.
 */
export class PlaylistRuleLog {
  readonly violations: Array<Violation & { readonly url: string }> = []
  private readonly histories = new Map<string, PlaylistHistory>()
  checked = 0

  /** Parses and checks one fetched playlist; an unparseable one counts as a violation. */
  check (url: string, text: string): MediaPlaylist | undefined {
    const parsed = parseMediaPlaylist(text)
    if (!parsed.ok) {
      this.violations.push({ rule: 'segment-changed', detail: `unparseable: ${parsed.reason}`, url })
      return undefined
    }
    const history = this.histories.get(url) ?? EMPTY_HISTORY
    for (const v of checkPlaylistUpdate(history, parsed.playlist)) this.violations.push({ ...v, url })
    this.histories.set(url, recordPlaylist(history, parsed.playlist))
    this.checked += 1
    return parsed.playlist
  }

  /** Fetches a media playlist (200 expected), checks it, returns it parsed. */
  async fetch (url: string): Promise<MediaPlaylist> {
    const answer = await get(url)
    if (answer.status !== 200) throw new Error(`${url} answered ${answer.status}: ${answer.text.slice(0, 200)}`)
    const playlist = this.check(url, answer.text)
    if (playlist === undefined) throw new Error(`${url} is not a media playlist`)
    return playlist
  }
}

/** Newest MSN listed. */
export function newest (playlist: MediaPlaylist): number {
  return playlist.mediaSequence + playlist.segments.length - 1
}

export interface FetchedSegment {
  readonly rendition: string
  readonly msn: number
  readonly uri: string
  readonly status: number
  readonly body: string
}

export interface RenditionWatch {
  readonly firstNewest: number
  readonly lastNewest: number
  /** Longest wait for a new segment, counted from the start of the watch, ms. */
  readonly maxGapMs: number
  /** Output segments carrying EXT-X-DISCONTINUITY, by MSN. */
  readonly discontinuities: ReadonlySet<number>
  readonly lastPlaylist: MediaPlaylist
  /** Every segment listed during the watch, by MSN (as first listed). */
  readonly listed: ReadonlyMap<number, Segment>
  /** The first playlist text that carried an EXT-X-DISCONTINUITY, as served. */
  readonly firstTextWithDiscontinuity?: string
}

export interface WatchReport {
  readonly renditions: Readonly<Record<string, RenditionWatch>>
  /** Every segment newly listed during the watch, fetched through the origin. */
  readonly segments: readonly FetchedSegment[]
  readonly httpErrors: readonly string[]
}

/**
 * Plays like a strict player for `durationMs`: reloads each media playlist every `pollMs`, checks
 * every version with the rule log, fetches every newly listed segment through the origin.
 */
export async function watchOutput (origin: OriginUnderTest, rules: PlaylistRuleLog, options: { durationMs: number, pollMs?: number, renditions?: readonly string[], signal?: string }): Promise<WatchReport> {
  const signal = options.signal ?? 'live01'
  const renditions = options.renditions ?? ['hi', 'lo']
  const start = Date.now()
  const segments: FetchedSegment[] = []
  const httpErrors: string[] = []
  const pending: Array<Promise<void>> = []
  const result: Record<string, RenditionWatch> = {}
  await Promise.all(renditions.map(async (rendition) => {
    const url = `${origin.url}/${signal}/${rendition}/playlist.m3u8`
    let firstNewest: number | undefined
    let seenNewest = -1
    let lastNewAt = start
    let maxGapMs = 0
    let lastPlaylist: MediaPlaylist | undefined
    const discontinuities = new Set<number>()
    const listed = new Map<number, Segment>()
    let firstTextWithDiscontinuity: string | undefined
    while (Date.now() - start < options.durationMs) {
      const answer = await get(url).catch((err: Error) => ({ status: 0, text: err.message, headers: new Headers() }))
      const at = Date.now()
      const playlist = answer.status === 200 ? rules.check(url, answer.text) : undefined
      if (answer.status !== 200) httpErrors.push(`${url}: ${answer.status} ${answer.text.slice(0, 120)}`)
      if (playlist !== undefined) {
        lastPlaylist = playlist
        const n = newest(playlist)
        firstNewest ??= n
        for (const s of playlist.segments) {
          if (s.discontinuity) {
            discontinuities.add(s.msn)
            firstTextWithDiscontinuity ??= answer.text
          }
          if (!listed.has(s.msn)) listed.set(s.msn, s)
        }
        if (n > seenNewest) {
          if (seenNewest >= 0) {
            maxGapMs = Math.max(maxGapMs, at - lastNewAt)
            for (const s of playlist.segments) {
              if (s.msn <= seenNewest) continue
              pending.push(get(`${origin.url}/${signal}/${rendition}/${s.uri}`).then(
                (seg) => { segments.push({ rendition, msn: s.msn, uri: s.uri, status: seg.status, body: seg.text }) },
                (err: Error) => { httpErrors.push(`${s.uri}: ${err.message}`) }))
            }
          }
          lastNewAt = at
          seenNewest = n
        }
      }
      await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 150))
    }
    maxGapMs = Math.max(maxGapMs, Date.now() - lastNewAt)
    if (lastPlaylist === undefined || firstNewest === undefined) throw new Error(`no playlist of ${rendition} could be read`)
    result[rendition] = { firstNewest, lastNewest: seenNewest, maxGapMs, discontinuities, lastPlaylist, listed, ...(firstTextWithDiscontinuity === undefined ? {} : { firstTextWithDiscontinuity }) }
  }))
  await Promise.all(pending)
  return { renditions: result, segments, httpErrors }
}

// rule 4 (docs/design.md) asks for 1.5 TD; the original brief allowed about 2 TD; plus one player poll interval
const GAP_BUDGET_MS = 2 * 1000 + 250

/** The watched output grew by at least `minNew` segments on time, without discontinuity, all served by `survivor`. */
export function assertKeepsAdvancing (t: Test, report: WatchReport, survivor: FakeLivePackager, minNew: number): void {
  for (const [rendition, watch] of Object.entries(report.renditions)) {
    const grown = watch.lastNewest - watch.firstNewest
    t.ok(grown >= minNew, `${rendition}: ${grown} new segments (at least ${minNew})`)
    t.ok(watch.maxGapMs <= GAP_BUDGET_MS, `${rendition}: longest wait for a new segment ${watch.maxGapMs} ms (budget ${GAP_BUDGET_MS} ms)`)
    t.equal(watch.discontinuities.size, 0, `${rendition}: no EXT-X-DISCONTINUITY (the packagers line up)`)
    t.equal(watch.lastPlaylist.discontinuitySequence, 0, `${rendition}: discontinuity sequence unchanged`)
  }
  t.same(report.httpErrors, [], 'the player saw no HTTP error')
  t.ok(report.segments.length >= 2 * minNew, `new segments were fetched (${report.segments.length})`)
  const wrong = report.segments.filter((s) => s.status !== 200 || s.body !== survivor.segmentBody(s.rendition, s.msn))
  t.same(wrong, [], `every new segment came from ${survivor.name}, with status 200`)
}
