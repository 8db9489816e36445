import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Registry } from 'prom-client'
import type { Logger } from '../log/logger.js'
import { preferredPublish, type PublishRecord } from '../streams/publish-record.js'
import { writeFileAtomic } from './atomic-write.js'
import { PRIVATE_PLAYLIST, PUBLIC_PLAYLIST, renditionDir } from './ffmpeg-args.js'
import { LiveInput } from './live-input.js'
import { LivePublisher } from './live-publisher.js'
import type { SegmentSource } from './live-selection.js'
import { buildMasterPlaylist } from './master-playlist.js'
import { planPulls } from './pull-plan.js'
import { makeSlate } from './slate-source.js'
import { StreamEncoder, type EncoderSettings } from './stream-encoder.js'
import { createWorkerMetrics, forgetSignal, type WorkerMetrics } from './worker-metrics.js'

const LIVE_DIR = '.live'
const SLATE_DIR = '.slate'
const TICK_MS = 250
/** Segments kept on disk after they leave the playlist, for slow readers and caches (as the loop keeps them). */
const LINGER_SECONDS = 30
/**
 * How late after the anchor a worker may hear of it (the ingest's renewal, the worker's next
 * heartbeat, a tick, on a loaded machine) and still open live on the same MSN as the others.
 */
const LEARN_MS = 3000
/** Ticks and a late encode on top of an ended pull's MSN and grace. */
const DRAIN_MARGIN_MS = 1000

/** How long after its end an MSN waits for the preferred live run before a lesser source fills it. */
function graceMsFor (segmentSeconds: number): number {
  return Math.max(1000, segmentSeconds * 750)
}

/** A push stream's settings: no input file (the slate is made here, the pictures come from the ingest). */
export type LiveEncoderSettings = Omit<EncoderSettings, 'inputPath'>

/**
 * One push stream on one worker. A slate is always encoded on the epoch grid (cheap: a still
 * frame); while a publish is on, its pull is encoded too, by the session's shared anchor. The
 * LivePublisher puts live or slate behind each MSN, main before backup.
 */
export class LiveStreamEncoder {
  readonly #s: LiveEncoderSettings
  readonly #publishes: () => readonly PublishRecord[]
  readonly #log: Logger
  readonly #parentLog: Logger
  readonly #metrics: WorkerMetrics
  readonly #inputs: LiveInput[] = []
  /** Sessions whose publish record is gone, and since when. */
  readonly #endedAt = new Map<string, number>()
  #slate: StreamEncoder | undefined
  #publisher: LivePublisher | undefined
  #timer: NodeJS.Timeout | undefined
  #ticking = false
  #startedAt = 0
  #closing: Promise<void> | undefined

  constructor (settings: LiveEncoderSettings, publishes: () => readonly PublishRecord[], log: Logger, metrics: WorkerMetrics) {
    this.#s = settings
    this.#publishes = publishes
    this.#parentLog = log
    this.#log = log.child({ signal: settings.signalName })
    this.#metrics = metrics
  }

  /** PIDs of its live pulls, newest last (tests kill them). */
  get livePids (): number[] {
    return this.#inputs.flatMap((input) => input.pid === undefined ? [] : [input.pid])
  }

  get source (): SegmentSource | undefined {
    return this.#publisher?.current
  }

  async start (): Promise<void> {
    const s = this.#s
    if (s.segmentFormat !== 'ts') this.#log.warn({ segmentFormat: s.segmentFormat }, 'a pushed stream is encoded to MPEG-TS only: SEGMENT_FORMAT is ignored for it')
    await mkdir(s.signalDir, { recursive: true })
    await rm(join(s.signalDir, LIVE_DIR), { recursive: true, force: true })
    for (const r of s.ladder) {
      const dir = renditionDir(s.signalDir, s.ladder, r)
      await mkdir(dir, { recursive: true })
      await rm(join(dir, PUBLIC_PLAYLIST), { force: true })
      await rm(join(dir, PRIVATE_PLAYLIST), { force: true })
    }
    if (s.ladder.length > 1) {
      await writeFileAtomic(join(s.signalDir, PUBLIC_PLAYLIST), buildMasterPlaylist({ ladder: s.ladder, frameRate: s.frameRate, preset: s.videoPreset }))
    }
    const slate = await makeSlate({ ffmpegPath: s.ffmpegPath, signalName: s.signalName, segmentSeconds: s.segmentSeconds, frameRate: s.frameRate, dir: join(s.signalDir, SLATE_DIR, '.source') })
    if (!slate.lettered) this.#log.warn('no font found (install fonts-dejavu-core): the slate is a plain frame without its text')
    if (this.#closing !== undefined) return
    // the slate's own series would clash with the stream's: it reports into a registry of its own
    // a pushed stream is TS only: its slate must splice into the same format
    this.#slate = new StreamEncoder({ ...s, segmentFormat: 'ts', inputPath: slate.path, signalDir: join(s.signalDir, SLATE_DIR) }, this.#parentLog.child({ part: 'slate' }), createWorkerMetrics(new Registry()))
    await this.#slate.start()
    const signal = s.signalName
    this.#publisher = new LivePublisher({
      ladder: s.ladder,
      signalDir: s.signalDir,
      slateDir: join(s.signalDir, SLATE_DIR),
      segmentSeconds: s.segmentSeconds,
      frameRate: s.frameRate,
      listSize: s.listSize,
      keepBehind: s.listSize + Math.ceil(LINGER_SECONDS / s.segmentSeconds),
      graceMs: graceMsFor(s.segmentSeconds),
      learnMs: LEARN_MS,
      onSwitch: (info) => { this.#switched(info) },
      onPublished: (lastMsn) => { for (const r of s.ladder) this.#metrics.lastMsn.set({ signal, rendition: r.name }, lastMsn) }
    })
    this.#metrics.publisherAway.set({ signal }, 1)
    this.#startedAt = Date.now()
    this.#timer = setInterval(() => { void this.#tick() }, TICK_MS)
    this.#log.info({ output: s.signalDir, renditions: s.ladder.map((r) => r.name) }, 'push stream encoder started: slate until a publish arrives')
  }

  async close (): Promise<void> {
    this.#closing ??= (async () => {
      clearInterval(this.#timer)
      await Promise.all(this.#inputs.splice(0).map(async (input) => await input.close()))
      await this.#slate?.close()
      const signal = this.#s.signalName
      forgetSignal(this.#metrics, signal, this.#s.ladder.map((r) => r.name))
      this.#metrics.publisherAway.remove({ signal })
    })()
    await this.#closing
  }

  async #tick (): Promise<void> {
    if (this.#ticking || this.#closing !== undefined || this.#publisher === undefined) return
    this.#ticking = true
    try {
      const preferred = await this.#followPublishes()
      const warmupMs = (6 * this.#s.segmentSeconds * 1000) + 5000
      const awaiting = !this.#publisher.published && preferred !== undefined && Date.now() - this.#startedAt < warmupMs
      await this.#publisher.tick(this.#inputs, awaiting)
    } catch (err) {
      this.#log.warn({ reason: (err as Error).message }, 'live publish tick failed; retrying')
    } finally {
      this.#ticking = false
    }
  }

  /**
   * Pulls every anchored publish of the stream, the preferred first (main before backup): a backup
   * is encoded beside the main one (a hot standby, at twice the encode cost while both are on), so
   * losing the main switches at the next MSN rather than through a warm-up. A pull whose publish
   * ended gives what it finished for a while, then stops (pull-plan.ts says why). Returns the
   * preferred publish.
   */
  async #followPublishes (): Promise<PublishRecord | undefined> {
    const records = this.#publishes().filter((r) => r.anchor !== null)
    const now = Date.now()
    const pulls = this.#inputs.map((input) => ({ session: input.session, role: input.publish.role, endedAtMs: this.#endedAt.get(input.session) }))
    const plan = planPulls(pulls, records, now, this.#drainMs)
    for (const record of plan.start) {
      const input = this.#newInput(record)
      this.#inputs.push(input)
      this.#log.info({ role: record.role, ingest: record.ingest, session: record.session }, 'publish found: pulling it')
      input.start().catch((err: unknown) => { this.#log.warn({ reason: (err as Error).message }, 'pull could not start') })
    }
    for (const session of plan.ending) {
      this.#endedAt.set(session, now)
      this.#inputs.find((i) => i.session === session)?.finish()
      this.#log.info({ session, drainMs: this.#drainMs }, 'publish ended: its pull gives what it finished, then stops')
    }
    for (const input of this.#inputs.filter((i) => plan.close.includes(i.session))) {
      this.#inputs.splice(this.#inputs.indexOf(input), 1)
      this.#endedAt.delete(input.session)
      this.#log.info({ role: input.publish.role, session: input.session }, 'stopping the pull of an ended publish')
      await input.close()
    }
    this.#inputs.sort((a, b) => plan.order.indexOf(a.session) - plan.order.indexOf(b.session))
    return preferredPublish(records)
  }

  /** An ended publish's pull is kept through the MSN it ended in and that MSN's grace. */
  get #drainMs (): number {
    return (this.#s.segmentSeconds * 1000) + graceMsFor(this.#s.segmentSeconds) + DRAIN_MARGIN_MS
  }

  #newInput (publish: PublishRecord): LiveInput {
    const s = this.#s
    const signal = s.signalName
    return new LiveInput(publish, {
      ffmpegPath: s.ffmpegPath,
      ladder: s.ladder,
      segmentSeconds: s.segmentSeconds,
      listSize: s.listSize + 4,
      deleteThreshold: Math.ceil(LINGER_SECONDS / s.segmentSeconds),
      frameRate: s.frameRate,
      preset: s.videoPreset,
      liveDir: join(s.signalDir, LIVE_DIR),
      onSpawn: () => { this.#metrics.ffmpegUp.set({ signal }, 1) },
      onDied: () => {
        this.#metrics.ffmpegUp.set({ signal }, 0)
        this.#metrics.restarts.inc({ signal })
      }
    }, this.#log)
  }

  #switched ({ msn, from, to }: { msn: number, from: SegmentSource | undefined, to: SegmentSource }): void {
    const signal = this.#s.signalName
    const toSlate = to === 'slate'
    this.#metrics.sourceSwitches.inc({ signal, to: toSlate ? 'slate' : 'live' })
    this.#metrics.publisherAway.set({ signal }, toSlate ? 1 : 0)
    if (from === undefined) this.#log.info({ msn, source: to }, toSlate ? 'opening on the slate: no publish yet' : 'opening live')
    else if (toSlate) this.#log.warn({ msn, from }, 'publisher away: the slate from this MSN on')
    else if (from === 'slate') this.#log.info({ msn, source: to }, 'publisher back: live from this MSN on')
    else this.#log.info({ msn, from, source: to }, 'switched publish: from this MSN on')
  }
}
