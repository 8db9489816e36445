import { DEFAULT_PARSE_LIMITS, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'

// How edges-origin watches the edge set and the segment hosts beside the PlaylistWatcher.
export const POLL_MS = 250

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

export interface ManagerEdge { id: string, port: number, url: string, state: string, nginxPid: number, watchdogPid: number }
export interface ReporterEdge { id: string, url: string }
export interface EdgeSetChange { readonly at: number, readonly urls: readonly string[] }
export interface Sighting { first: number, last: number }

export async function getJson<T> (url: string): Promise<T> {
  const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
  if (res.status !== 200) throw new Error(`${url} answered ${res.status}`)
  return await res.json() as T
}

/**
 * Beside the watcher: every POLL_MS, the reporter's live edge set (kept as a timeline of changes)
 * and, per listed segment path, when each host was first and last listed for it.
 */
export class EdgeTimeline {
  readonly changes: EdgeSetChange[] = []
  readonly hostsByPath = new Map<string, Map<string, Sighting>>()
  readonly errors: string[] = []
  #stopped = false
  #loop: Promise<void> | undefined

  constructor (private readonly reporterUrl: string, private readonly mediaUrls: readonly string[]) {}

  start (): void { this.#loop = this.#run() }

  async stop (): Promise<void> {
    this.#stopped = true
    await this.#loop
  }

  /** The edge sets the reporter listed at some moment in [from, to]. */
  setsBetween (from: number, to: number): Array<readonly string[]> {
    const out: Array<readonly string[]> = []
    for (let i = 0; i < this.changes.length; i++) {
      const change = this.changes[i] as EdgeSetChange
      const until = this.changes[i + 1]?.at ?? Infinity
      if (change.at <= to && until >= from) out.push(change.urls)
    }
    return out
  }

  async #run (): Promise<void> {
    while (!this.#stopped) {
      const at = Date.now()
      await Promise.all([this.#pollEdges(at), ...this.mediaUrls.map(async (url) => { await this.#pollPlaylist(url, at) })])
      await sleep(Math.max(0, POLL_MS - (Date.now() - at)))
    }
  }

  async #pollEdges (at: number): Promise<void> {
    try {
      const urls = (await getJson<ReporterEdge[]>(`${this.reporterUrl}/edges`)).map((e) => e.url).sort()
      const last = this.changes.at(-1)
      if (last === undefined || last.urls.join(',') !== urls.join(',')) this.changes.push({ at, urls })
    } catch (err) {
      this.errors.push(`reporter /edges: ${err instanceof Error ? err.message : String(err)}`)
    }
  }

  async #pollPlaylist (url: string, at: number): Promise<void> {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(3000) })
      const text = await res.text()
      if (res.status !== 200) { this.errors.push(`${url} answered ${res.status}`); return }
      const parsed = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, allowAbsoluteSegmentUris: true })
      if (!parsed.ok) { this.errors.push(`${url} unparseable: ${parsed.reason}`); return }
      for (const segment of parsed.playlist.segments) {
        const uri = new URL(segment.uri, url)
        const hosts = this.hostsByPath.get(uri.pathname) ?? new Map<string, Sighting>()
        const seen = hosts.get(uri.origin) ?? { first: at, last: at }
        seen.last = at
        hosts.set(uri.origin, seen)
        this.hostsByPath.set(uri.pathname, hosts)
      }
    } catch (err) {
      this.errors.push(`${url}: ${err instanceof Error ? err.message : String(err)}`)
    }
  }
}

export interface ProbeResult { ok: number, failed: Array<{ atMs: number, error: string }> }

/** Fetches `url` every 20 ms until `done()`, then once more; counts what failed and when (ms after the first try). */
export async function probeUntil (url: string, done: () => boolean): Promise<ProbeResult> {
  const result: ProbeResult = { ok: 0, failed: [] }
  const started = Date.now()
  for (let last = false; ; last = done()) {
    const at = Date.now() - started
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(5000) })
      await res.arrayBuffer()
      if (res.status === 200) result.ok++
      else result.failed.push({ atMs: at, error: `HTTP ${res.status}` })
    } catch (err) {
      const cause = err instanceof Error && err.cause instanceof Error ? ` (${(err.cause as NodeJS.ErrnoException).code ?? err.cause.message})` : ''
      result.failed.push({ atMs: at, error: `${err instanceof Error ? err.message : String(err)}${cause}` })
    }
    if (last || Date.now() - started > 20_000) return result
    await sleep(20)
  }
}
