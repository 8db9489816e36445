import { mkdirSync } from 'node:fs'
import { rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Logger } from '../log/logger.js'
import type { Rendition } from '../streams/ladder.js'
import type { PublishRecord } from '../streams/publish-record.js'
import { renditionDir } from './ffmpeg-args.js'
import { FfmpegSupervisor } from './ffmpeg-supervisor.js'
import { buildLiveFfmpegArgs } from './live-ffmpeg-args.js'

/** One ffmpeg run of a pull: its folder and the MSN it started on. */
export interface LiveRun {
  readonly dir: string
  readonly startMsn: number
}

export interface LiveInputSettings {
  readonly ffmpegPath: string
  readonly ladder: readonly Rendition[]
  readonly segmentSeconds: number
  readonly listSize: number
  readonly deleteThreshold: number
  readonly frameRate: number
  readonly preset: string
  /** `<signal>/.live`: each run gets a folder of its own below it. */
  readonly liveDir: string
  readonly onSpawn?: (pid: number) => void
  readonly onDied?: () => void
}

/** A silent pull ends after this, so a run stuck on a dead ingest gives way to a new one. */
const READ_TIMEOUT_MS = 5000
/** A closed pull's files stay this long: the public playlist links to them until they leave it. */
const LINGER_MS = 60_000

/**
 * The pull of one publish session: ffmpeg reads it from the ingest and encodes the ladder on the
 * epoch grid by the session's anchor, restarted (on a fresh boundary, in a fresh folder) when it
 * dies while the publish lasts. The encoder closes it when the session ends or is replaced.
 */
export class LiveInput {
  readonly publish: PublishRecord
  readonly #settings: LiveInputSettings
  readonly #supervisor: FfmpegSupervisor
  readonly #runs: LiveRun[] = []

  constructor (publish: PublishRecord, settings: LiveInputSettings, log: Logger) {
    if (publish.anchor === null) throw new Error('LiveInput needs a publish with an anchor')
    const anchor = publish.anchor
    this.publish = publish
    this.#settings = settings
    const s = settings
    const inputUrl = `${publish.pull_url}?token=${encodeURIComponent(publish.play_token)}`
    this.#supervisor = new FfmpegSupervisor({
      ffmpegPath: s.ffmpegPath,
      segmentSeconds: s.segmentSeconds,
      log: log.child({ session: publish.session, role: publish.role }),
      argsFor: (boundary) => {
        const dir = join(s.liveDir, `${publish.session}-${boundary.msn}`)
        for (const r of s.ladder) mkdirSync(renditionDir(dir, s.ladder, r), { recursive: true })
        this.#runs.push({ dir, startMsn: boundary.msn })
        return buildLiveFfmpegArgs({
          inputUrl,
          anchor,
          hasAudio: publish.has_audio,
          t0Ms: boundary.t0Ms,
          startMsn: boundary.msn,
          segmentSeconds: s.segmentSeconds,
          listSize: s.listSize,
          deleteThreshold: s.deleteThreshold,
          ladder: s.ladder,
          frameRate: s.frameRate,
          preset: s.preset,
          signalDir: dir,
          readTimeoutMs: READ_TIMEOUT_MS
        })
      },
      onSpawn: ({ pid }) => { s.onSpawn?.(pid) },
      onDied: () => { s.onDied?.() }
    })
  }

  get session (): string {
    return this.publish.session
  }

  /** Its runs, oldest first. */
  get runs (): readonly LiveRun[] {
    return this.#runs
  }

  get pid (): number | undefined {
    return this.#supervisor.pid
  }

  async start (): Promise<void> {
    await this.#supervisor.start()
  }

  /** The publish ended: the running ffmpeg writes out what it read, and no other starts. */
  finish (): void {
    this.#supervisor.finishRun()
  }

  async close (): Promise<void> {
    await this.#supervisor.close()
    const dirs = this.#runs.map((run) => run.dir)
    setTimeout(() => { for (const dir of dirs) rm(dir, { recursive: true, force: true }).catch(() => {}) }, LINGER_MS).unref()
  }
}
