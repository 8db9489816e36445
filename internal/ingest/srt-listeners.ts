import type { Logger } from '../log/logger.js'
import { ConfigError } from '../config/config-error.js'
import { ReporterPost } from '../http/reporter-post.js'
import { isMissingTool, runOnce } from '../process/spawn-child.js'
import { isSrtPassphrase, SRT_PASSPHRASE_LENGTH, type SrtListenerSpec } from './srt-listener-spec.js'
import { SrtRelay } from './srt-relay.js'

export interface SrtListenersOptions {
  readonly specs: readonly SrtListenerSpec[]
  readonly ffmpegPath: string
  readonly bindHost: string
  readonly localRtmpBase: string
  readonly reporterUrls: readonly string[]
  readonly reporterToken: string | undefined
  readonly log: Logger
  readonly onRefused: (spec: SrtListenerSpec) => void
  /** How often the streams' keys are read again, so a rotated key reaches the listeners. */
  readonly pollMs?: number
}

/**
 * The node's SRT listeners (INGEST_SRT), kept on their streams' current keys: the keys are read
 * from the reporter with the ingest's token (`POST /publishes/keys`, only the streams listed here)
 * every couple of seconds. A key libsrt cannot take as a passphrase leaves that stream RTMP-only,
 * said once.
 */
export class SrtListeners {
  readonly #o: SrtListenersOptions
  readonly #post: ReporterPost
  readonly #relays: SrtRelay[]
  readonly #unusable = new Set<string>()
  #timer: NodeJS.Timeout | undefined
  #reading: Promise<void> | undefined
  #failing = false

  constructor (options: SrtListenersOptions) {
    this.#o = options
    this.#post = new ReporterPost({ urls: options.reporterUrls, token: options.reporterToken, timeoutMs: 2000 })
    this.#relays = options.specs.map((spec) => new SrtRelay({ spec, ffmpegPath: options.ffmpegPath, bindHost: options.bindHost, localRtmpBase: options.localRtmpBase, log: options.log, onRefused: options.onRefused }))
  }

  /** Refuses to start, in one line, with an ffmpeg that is missing or has no SRT. */
  async start (): Promise<void> {
    if (this.#relays.length === 0) return
    await checkSrtSupport(this.#o.ffmpegPath)
    this.#tick()
    this.#timer = setInterval(() => { this.#tick() }, this.#o.pollMs ?? 2000)
  }

  #tick (): void {
    this.#reading ??= this.#readKeys().finally(() => { this.#reading = undefined })
  }

  async close (): Promise<void> {
    clearInterval(this.#timer)
    await this.#reading
    await Promise.all(this.#relays.map(async (relay) => await relay.close()))
    await this.#post.close()
  }

  async #readKeys (): Promise<void> {
    const streams = [...new Set(this.#o.specs.map((s) => s.stream))]
    const result = await this.#post.post('/publishes/keys', { streams })
    if (!result.ok) {
      // the listeners keep the keys they have: a reporter away does not close SRT
      if (!this.#failing) this.#o.log.warn({ reason: result.detail }, 'could not read the SRT streams\' keys; the listeners keep the keys they have')
      this.#failing = true
      return
    }
    this.#failing = false
    let keys: Record<string, string | undefined>
    try {
      keys = (JSON.parse(result.text) as { keys: Record<string, string | undefined> }).keys ?? {}
    } catch {
      this.#o.log.warn('the reporter answered the SRT key read with something that is not JSON')
      return
    }
    for (const relay of this.#relays) relay.setKey(this.#usableKey(relay.spec, keys[relay.spec.stream]))
  }

  #usableKey (spec: SrtListenerSpec, key: string | undefined): string | undefined {
    if (key === undefined) {
      if (!this.#unusable.has(spec.stream)) this.#o.log.warn({ stream: spec.stream }, 'SRT listener closed: the stream is not a push stream with a key')
      this.#unusable.add(spec.stream)
      return undefined
    }
    if (!isSrtPassphrase(key)) {
      const { min, max } = SRT_PASSPHRASE_LENGTH
      if (!this.#unusable.has(spec.stream)) this.#o.log.warn({ stream: spec.stream, length: key.length }, `SRT listener closed: an SRT passphrase is ${min}-${max} characters and this stream's key is not (RTMP still takes it)`)
      this.#unusable.add(spec.stream)
      return undefined
    }
    this.#unusable.delete(spec.stream)
    return key
  }
}

async function checkSrtSupport (ffmpegPath: string): Promise<void> {
  let protocols: string
  try {
    protocols = (await runOnce(ffmpegPath, ['-hide_banner', '-protocols'], 10_000)).stdout
  } catch (err) {
    if (isMissingTool(err)) throw new ConfigError('FFMPEG_PATH', `'${ffmpegPath}' cannot be run; INGEST_SRT needs ffmpeg (make deps installs Debian's, built with libsrt)`)
    throw err
  }
  if (!/^\s*srt\s*$/m.test(protocols)) throw new ConfigError('FFMPEG_PATH', `'${ffmpegPath}' has no SRT protocol; INGEST_SRT needs an ffmpeg built with libsrt (Debian's is)`)
}
