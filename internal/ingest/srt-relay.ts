import type { Logger } from '../log/logger.js'
import { RESTART_BACKOFF, nextBackoffMs } from '../process/backoff.js'
import { ChildSupervisor } from '../process/child-supervisor.js'
import type { SrtListenerSpec } from './srt-listener-spec.js'

export interface SrtRelayOptions {
  readonly spec: SrtListenerSpec
  readonly ffmpegPath: string
  /** Where the listener binds (INGEST_RTMP_HOST: publishers reach both protocols there). */
  readonly bindHost: string
  /** rtmp://127.0.0.1:<port> of this node's nginx. */
  readonly localRtmpBase: string
  readonly log: Logger
  /** A caller refused at the SRT handshake (libsrt's reason: a wrong passphrase, none at all). */
  readonly onRefused: (spec: SrtListenerSpec) => void
}

/** `rsp(REJECT): 1010 - Incorrect passphrase`: libsrt's line for a refused caller. */
const REJECTED = /rsp\(REJECT\):\s*\d+\s*-\s*(.+)$/
/** ffmpeg has accepted a caller and read its stream. */
const CONNECTED = /^Input #0, /

/**
 * One SRT listener: Debian's ffmpeg (built with libsrt) waits on the port with the stream's key as
 * passphrase, so libsrt refuses a wrong key at the handshake; an accepted publish is relayed as it
 * is (`-c copy`) to this node's RTMP application under the key, where on_publish checks it with the
 * reporter like any RTMP publisher's (a rotated-out key, a second publisher: refused there). ffmpeg
 * takes one caller per run; when it ends, a new listener opens with the key of that moment. A new key
 * restarts a listener at once only while nobody is publishing through it.
 */
export class SrtRelay {
  readonly #o: SrtRelayOptions
  #key: string | undefined
  #runningKey: string | undefined
  #child: ChildSupervisor | undefined
  #connected = false
  #lastError = ''
  #backoffMs: number | undefined
  #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor (options: SrtRelayOptions) {
    this.#o = options
  }

  get spec (): SrtListenerSpec {
    return this.#o.spec
  }

  /** The stream's key now (undefined: none, or one libsrt cannot take: no listener). */
  setKey (key: string | undefined): void {
    if (key === this.#key) return
    this.#key = key
    if (this.#connected) return
    if (this.#child !== undefined) {
      // the old key's listener goes; its exit opens the new one
      this.#child.close(2000).catch(() => {})
      return
    }
    if (key !== undefined && this.#timer === undefined) this.#spawn()
  }

  async close (): Promise<void> {
    this.#closed = true
    clearTimeout(this.#timer)
    await this.#child?.close(3000)
  }

  #spawn (): void {
    this.#timer = undefined
    const key = this.#key
    if (this.#closed || key === undefined) return
    const { spec, log } = this.#o
    const app = spec.role === 'backup' ? 'backup' : 'live'
    const child = new ChildSupervisor({
      file: this.#o.ffmpegPath,
      args: [
        '-hide_banner', '-nostdin', '-nostats', '-loglevel', 'info',
        // as an option, not in the URL, so ffmpeg's own lines never print it
        '-passphrase', key,
        // a publisher silent for 2 s is gone (before nginx's drop_idle_publisher): the listener
        // reopens for its reconnect instead of waiting out libsrt's 5 s peer timeout
        '-timeout', '2000000',
        // ffmpeg would read 5 s of a real-time publish before relaying it: 1 s finds H.264's
        // parameters when the publish starts on a keyframe, as encoders do
        '-analyzeduration', '1000000',
        '-i', `srt://${this.#o.bindHost}:${spec.port}?mode=listener`,
        '-c', 'copy', '-f', 'flv', '-flvflags', 'no_duration_filesize',
        `${this.#o.localRtmpBase}/${app}/${key}`
      ]
    })
    this.#child = child
    this.#runningKey = key
    this.#connected = false
    this.#lastError = ''
    child.on('line', ({ line }) => { this.#onLine(line) })
    child.on('spawned', ({ pid }) => { log.info({ stream: spec.stream, role: spec.role, port: spec.port, pid }, 'SRT listener open') })
    child.on('error', (err) => { log.warn({ err }, 'SRT listener process error') })
    child.on('failed', ({ error }) => { if (child === this.#child && error !== undefined) this.#ended(error.message, 0) })
    child.on('exited', (exit) => { if (child === this.#child) this.#ended(`exited ${String(exit.code ?? exit.signal)}`, exit.runMs) })
    child.start().catch(() => {})
  }

  #onLine (raw: string): void {
    // the key is in the RTMP URL ffmpeg prints: no line leaves here with it
    const line = this.#runningKey === undefined ? raw : raw.split(this.#runningKey).join('<key>')
    const { spec, log } = this.#o
    const rejected = REJECTED.exec(line)
    if (rejected !== null) {
      log.warn({ stream: spec.stream, role: spec.role, protocol: 'srt', port: spec.port, reason: rejected[1]?.trim() }, 'publish refused: the SRT handshake failed (a wrong or rotated-out stream key as passphrase, or none)')
      this.#o.onRefused(spec)
      return
    }
    if (CONNECTED.test(line)) {
      this.#connected = true
      log.info({ stream: spec.stream, role: spec.role, protocol: 'srt', port: spec.port }, 'SRT publisher connected: relaying it to RTMP')
      return
    }
    if (/error|failed|invalid/i.test(line)) this.#lastError = line.slice(0, 300)
    log.debug({ line }, 'ffmpeg (SRT)')
  }

  #ended (why: string, runMs: number): void {
    const { spec, log } = this.#o
    const wasConnected = this.#connected
    this.#child = undefined
    this.#connected = false
    if (this.#closed) return
    if (wasConnected) {
      log.info({ stream: spec.stream, role: spec.role, protocol: 'srt', reason: this.#lastError === '' ? why : this.#lastError }, 'SRT publish ended: listening again')
      this.#backoffMs = undefined
      this.#timer = setTimeout(() => { this.#spawn() }, 100)
      return
    }
    const keyChanged = this.#runningKey !== this.#key
    this.#backoffMs = keyChanged ? undefined : nextBackoffMs(this.#backoffMs, runMs, RESTART_BACKOFF)
    if (!keyChanged) log.warn({ stream: spec.stream, port: spec.port, reason: this.#lastError === '' ? why : this.#lastError, restartInMs: this.#backoffMs }, 'SRT listener ended without a publisher: opening it again')
    this.#timer = setTimeout(() => { this.#spawn() }, this.#backoffMs ?? 0)
  }
}
