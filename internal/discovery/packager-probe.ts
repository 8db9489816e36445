import { Agent, request } from 'undici'
import { checkPlaylist } from './playlist-check.js'
import type { PlaylistPosition } from './progress-tracker.js'
import { reasonForError } from './probe-reason.js'

export type PlaylistProbe =
  | { readonly ok: true, readonly position: PlaylistPosition & { readonly mediaSequence: number } }
  | { readonly ok: false, readonly reason: string }

export interface PackagerProberOptions {
  /** Deadline of the healthcheck, and of playlist plus variant together. */
  readonly timeoutMs: number
  readonly maxBodyBytes?: number
}

class ProbeFailure extends Error {
  constructor (readonly reason: string) {
    super(reason)
  }
}

/**
 * HTTP probes of packagers. One undici Agent with short connect, header and body timeouts and a
 * body cap, so a frozen, slow or hostile packager costs at most the timeout and a megabyte.
 */
export class PackagerProber {
  readonly #agent: Agent
  readonly #timeoutMs: number

  constructor (options: PackagerProberOptions) {
    this.#timeoutMs = options.timeoutMs
    this.#agent = new Agent({
      connect: { timeout: options.timeoutMs },
      headersTimeout: options.timeoutMs,
      bodyTimeout: options.timeoutMs,
      maxResponseSize: options.maxBodyBytes ?? 1024 * 1024,
      keepAliveTimeout: 4000
    })
  }

  /** Undefined when GET /healthcheck answers 200, else the reason it is unhealthy. */
  async checkHealth (packagerUrl: string): Promise<string | undefined> {
    try {
      const { statusCode } = await this.#get(`${packagerUrl}/healthcheck`, AbortSignal.timeout(this.#timeoutMs), false)
      return statusCode === 200 ? undefined : `healthcheck http ${statusCode}`
    } catch (err) {
      return reasonForError(err)
    }
  }

  /** Fetches the signal's playlist and, for a master, its first variant; reports where the media playlist stands. */
  async probePlaylist (packagerUrl: string, signal: string): Promise<PlaylistProbe> {
    const deadline = AbortSignal.timeout(this.#timeoutMs)
    try {
      const entryUrl = `${packagerUrl}/${signal}/playlist.m3u8`
      let check = checkPlaylist(await this.#fetchPlaylist(entryUrl, deadline, ''))
      if (check.kind === 'master') {
        const variant = new URL(check.firstVariantUri, entryUrl)
        // a packager must not send us to another host: that would make discovery a request forwarder
        if (variant.origin !== new URL(entryUrl).origin) return { ok: false, reason: 'foreign variant' }
        check = checkPlaylist(await this.#fetchPlaylist(variant.href, deadline, 'variant '))
        if (check.kind === 'master') return { ok: false, reason: 'malformed' }
      }
      if (check.kind !== 'media') return { ok: false, reason: check.kind }
      const { mediaSequence, lastSequence, lastSegmentUri, targetDurationMs } = check
      return { ok: true, position: { mediaSequence, lastSequence, lastSegmentUri, targetDurationMs } }
    } catch (err) {
      return { ok: false, reason: err instanceof ProbeFailure ? err.reason : reasonForError(err) }
    }
  }

  async close (): Promise<void> {
    await this.#agent.close()
  }

  async #fetchPlaylist (url: string, signal: AbortSignal, label: string): Promise<string> {
    const { statusCode, text } = await this.#get(url, signal, true)
    if (statusCode !== 200) throw new ProbeFailure(`${label}http ${statusCode}`)
    return text
  }

  async #get (url: string, signal: AbortSignal, wantBody: boolean): Promise<{ statusCode: number, text: string }> {
    const response = await request(url, { dispatcher: this.#agent, signal, headers: { accept: 'application/vnd.apple.mpegurl, */*' } })
    if (!wantBody || response.statusCode !== 200) {
      await response.body.dump()
      return { statusCode: response.statusCode, text: '' }
    }
    return { statusCode: response.statusCode, text: await response.body.text() }
  }
}
