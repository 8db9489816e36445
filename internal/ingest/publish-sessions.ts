import { randomBytes } from 'node:crypto'
import type { Logger } from '../log/logger.js'
import { ReporterPost } from '../http/reporter-post.js'
import type { PublishAnchor, PublishRole } from '../streams/publish-record.js'
import type { ProbedPublish } from './anchor-probe.js'

/** One publisher connected to this node's nginx, after its key was accepted. */
export interface PublishSession {
  readonly clientId: string
  readonly app: string
  readonly role: PublishRole
  readonly stream: string
  readonly session: string
  readonly playToken: string
  readonly pullUrl: string
  anchor: PublishAnchor | null
  hasAudio: boolean
}

export type ClaimOutcome =
  | { readonly ok: true, readonly session: PublishSession }
  /** `status`: what nginx is answered (403 refuses the publisher); `reason` is logged, never the key. */
  | { readonly ok: false, readonly status: number, readonly reason: string }

export interface PublishSessionsOptions {
  readonly ingestId: string
  /** rtmp://<public host>:<port>: workers pull `<base>/<app>/<stream>`. */
  readonly rtmpBase: string
  /** rtmp://127.0.0.1:<port>: where this node reads its own publishes to anchor them. */
  readonly localRtmpBase: string
  readonly reporterUrls: readonly string[]
  readonly reporterToken: string | undefined
  readonly log: Logger
  /** Reads the first packets of a publish (from the local nginx) and makes its anchor. */
  readonly probe: (url: string) => Promise<ProbedPublish>
  readonly renewMs?: number
}

/**
 * The publishes this node holds, kept in the registry through the reporter: claimed at connect
 * (the key checked there), anchored once the first picture has been seen, renewed every second,
 * released at the publisher's disconnect. If the reporter says another session holds the stream
 * now, this one is dropped from the record (nginx keeps the connection; nobody pulls it).
 */
export class PublishSessions {
  readonly #o: PublishSessionsOptions
  readonly #post: ReporterPost
  readonly #sessions = new Map<string, PublishSession>()
  #timer: NodeJS.Timeout | undefined

  constructor (options: PublishSessionsOptions) {
    this.#o = options
    this.#post = new ReporterPost({ urls: options.reporterUrls, token: options.reporterToken, timeoutMs: 2000 })
  }

  get size (): number {
    return this.#sessions.size
  }

  start (): void {
    this.#timer = setInterval(() => { void this.renewAll() }, this.#o.renewMs ?? 1000)
  }

  /** The session a puller's token must match: the live one of this stream in this application. */
  find (app: string, stream: string): PublishSession | undefined {
    return [...this.#sessions.values()].find((s) => s.app === app && s.stream === stream)
  }

  async claim (clientId: string, app: string, key: string): Promise<ClaimOutcome> {
    const role: PublishRole = app === 'backup' ? 'backup' : 'main'
    const session = randomBytes(12).toString('base64url')
    const playToken = randomBytes(24).toString('base64url')
    const result = await this.#post.post('/publishes', {
      key, role, ingest: this.#o.ingestId, session, play_token: playToken, anchor: null, has_audio: false, app_url: `${this.#o.rtmpBase}/${app}`
    })
    if (!result.ok) {
      const message = reporterMessage(result.detail)
      if (result.status === 403 && message.includes('stream key')) return { ok: false, status: 403, reason: 'wrong or rotated-out stream key' }
      if (result.status === 409) return { ok: false, status: 403, reason: message }
      return { ok: false, status: 503, reason: `the reporter could not check the key: ${result.detail}` }
    }
    let answer: { stream: string, pull_url: string }
    try {
      answer = JSON.parse(result.text) as { stream: string, pull_url: string }
    } catch {
      return { ok: false, status: 503, reason: 'the reporter answered the key check with something that is not JSON' }
    }
    const held: PublishSession = { clientId, app, role, stream: answer.stream, session, playToken, pullUrl: answer.pull_url, anchor: null, hasAudio: false }
    this.#sessions.set(clientId, held)
    this.#anchor(held)
    return { ok: true, session: held }
  }

  async release (clientId: string): Promise<PublishSession | undefined> {
    const held = this.#sessions.get(clientId)
    if (held === undefined) return undefined
    this.#sessions.delete(clientId)
    const result = await this.#post.post('/publishes/release', { stream: held.stream, role: held.role, session: held.session })
    if (!result.ok) this.#o.log.warn({ stream: held.stream, role: held.role, reason: result.detail }, 'could not release the publish; it expires by itself')
    return held
  }

  /** Every publish at once: nginx died, so none of its connections is left. */
  async releaseAll (): Promise<void> {
    await Promise.all([...this.#sessions.keys()].map(async (id) => await this.release(id)))
  }

  async renewAll (): Promise<void> {
    await Promise.all([...this.#sessions.values()].map(async (s) => await this.#renew(s)))
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
    await this.releaseAll()
    await this.#post.close()
  }

  #anchor (held: PublishSession): void {
    const url = `${this.#o.localRtmpBase}/${held.app}/${held.stream}?token=${encodeURIComponent(held.playToken)}`
    const attempt = async (left: number): Promise<void> => {
      try {
        const probed = await this.#o.probe(url)
        if (this.#sessions.get(held.clientId) !== held) return
        held.anchor = probed.anchor
        held.hasAudio = probed.hasAudio
        this.#o.log.info({ stream: held.stream, role: held.role, sourceMs: probed.anchor.source_ms, epochMs: probed.anchor.epoch_ms, probeMs: probed.anchor.probe_ms, hasAudio: probed.hasAudio }, 'publish anchored on the epoch grid')
        await this.#renew(held)
      } catch (err) {
        if (this.#sessions.get(held.clientId) !== held) return
        if (left <= 0) {
          this.#o.log.warn({ stream: held.stream, role: held.role, reason: (err as Error).message }, 'could not read the publish: workers cannot pull it')
          return
        }
        await attempt(left - 1)
      }
    }
    void attempt(3)
  }

  async #renew (held: PublishSession): Promise<void> {
    const result = await this.#post.post('/publishes/renew', {
      stream: held.stream, role: held.role, ingest: this.#o.ingestId, session: held.session, pull_url: held.pullUrl,
      play_token: held.playToken, anchor: held.anchor, has_audio: held.hasAudio
    })
    if (result.ok || this.#sessions.get(held.clientId) !== held) return
    if (result.status === 409) {
      this.#sessions.delete(held.clientId)
      this.#o.log.error({ stream: held.stream, role: held.role }, 'the publish was taken over in the registry (it expired while the reporter was away): workers no longer pull it from here')
      return
    }
    this.#o.log.warn({ stream: held.stream, role: held.role, reason: result.detail }, 'could not renew the publish')
  }
}

/** The message of a reporter error answer (`http 409: {"message": …}`), or the detail as it is. */
function reporterMessage (detail: string): string {
  const json = detail.replace(/^http \d+: /, '')
  try {
    return String((JSON.parse(json) as { message?: unknown }).message ?? detail)
  } catch {
    return detail
  }
}
