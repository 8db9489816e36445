import type { Logger } from '../log/logger.js'
import { isValidName } from '../hls/names.js'
import type { UpstreamClient } from './upstream-client.js'

/** Signal name -> allow-listed packager base URLs the reporter last called healthy for it. */
export type IngestView = ReadonlyMap<string, readonly string[]>

/**
 * Pure: reads the reporter's GET /ingests answer (the Go original's shape; extra fields ignored),
 * keeping only well-named signals and packagers on the allow-list, so a poisoned reporter cannot
 * make the origin fetch from anywhere else.
 */
export function parseIngests (body: unknown, allowlist: readonly string[]): IngestView | undefined {
  if (!Array.isArray(body)) return undefined
  const allowed = new Set(allowlist)
  const view = new Map<string, string[]>()
  for (const entry of body) {
    if (typeof entry !== 'object' || entry === null) continue
    const { signal, packagers } = entry as { signal?: unknown, packagers?: unknown }
    if (typeof signal !== 'string' || !isValidName('signal', signal) || !Array.isArray(packagers)) continue
    const urls = packagers.filter((p): p is string => typeof p === 'string').map((p) => p.replace(/\/+$/, '')).filter((p) => allowed.has(p))
    view.set(signal, [...new Set(urls)])
  }
  return view
}

/**
 * Pure: reads the reporter's GET /edges answer into the base URLs of live edges. Only plain
 * http(s) origins are kept (no path, credentials or query), so a URI rewritten onto an edge is
 * always `<edge>/<signal>/<rendition>/<segment>`.
 */
export function parseEdges (body: unknown): string[] | undefined {
  if (!Array.isArray(body)) return undefined
  const urls = new Set<string>()
  for (const entry of body) {
    const raw = (entry as { url?: unknown } | null)?.url
    if (typeof raw !== 'string') continue
    let url: URL
    try { url = new URL(raw) } catch { continue }
    if ((url.protocol !== 'http:' && url.protocol !== 'https:') || url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '' || url.pathname !== '/') continue
    urls.add(url.origin)
  }
  return [...urls].sort()
}

/**
 * Polls the reporter and keeps the last view it could read: when the reporter is away the origin
 * carries on with what it knew, and its own probes.
 */
export class ReporterView {
  private view: IngestView = new Map()
  private edgeUrls: readonly string[] = []
  private reachable: boolean | undefined
  private timer: NodeJS.Timeout | undefined
  private polling: Promise<void> | undefined
  private closed = false

  constructor (
    private readonly options: { reporterUrl: string, allowlist: readonly string[], pollMs: number },
    private readonly client: UpstreamClient,
    private readonly log: Logger,
    private readonly onChange: (view: IngestView) => void = () => {},
    private readonly onReachability: (reachable: boolean) => void = () => {},
    private readonly onEdges: (edges: readonly string[]) => void = () => {}
  ) {}

  get edges (): readonly string[] { return this.edgeUrls }

  get current (): IngestView { return this.view }
  get isReachable (): boolean { return this.reachable === true }

  start (): void {
    this.polling = this.poll()
    this.timer = setInterval(() => { this.polling ??= this.poll() }, this.options.pollMs)
  }

  async close (): Promise<void> {
    this.closed = true
    if (this.timer !== undefined) clearInterval(this.timer)
    this.timer = undefined
    await this.polling
  }

  private async poll (): Promise<void> {
    try {
      const result = await this.client.get(`${this.options.reporterUrl}/ingests`)
      if (this.closed) return
      const parsed = result.ok ? parseIngests(safeJson(result.body), this.options.allowlist) : undefined
      if (parsed === undefined) {
        if (this.reachable !== false) {
          this.log.warn({ reporter: this.options.reporterUrl, reason: result.ok ? 'unreadable answer' : result.detail }, 'reporter unreachable, keeping the last known view')
          this.reachable = false
          this.onReachability(false)
        }
        return
      }
      const wasReachable = this.reachable === true
      this.reachable = true
      if (!sameView(this.view, parsed)) {
        this.view = parsed
        this.onChange(parsed)
      }
      await this.pollEdges()
      if (!wasReachable) {
        this.log.info({ reporter: this.options.reporterUrl }, 'reporter reachable')
        this.onReachability(true)
      }
    } finally {
      this.polling = undefined
    }
  }

  // edges expire at the reporter after their short TTL, so its answer is the live set
  private async pollEdges (): Promise<void> {
    const result = await this.client.get(`${this.options.reporterUrl}/edges`)
    if (this.closed || !result.ok) return
    const edges = parseEdges(safeJson(result.body))
    if (edges === undefined || edges.join(',') === this.edgeUrls.join(',')) return
    this.edgeUrls = edges
    this.onEdges(edges)
  }
}

function safeJson (body: Buffer): unknown {
  try { return JSON.parse(body.toString('utf8')) } catch { return undefined }
}

function sameView (a: IngestView, b: IngestView): boolean {
  if (a.size !== b.size) return false
  for (const [signal, urls] of a) {
    const other = b.get(signal)
    if (other === undefined || other.join(',') !== urls.join(',')) return false
  }
  return true
}
