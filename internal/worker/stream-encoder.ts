import { mkdir, readFile, rm } from 'node:fs/promises'
import type { Readable } from 'node:stream'
import { join } from 'node:path'
import type { Logger } from '../log/logger.js'
import { writeFileAtomic } from './atomic-write.js'
import { planCatchUp, runCatchUp } from './catch-up.js'
import { boundaryMs, loopOffsetSeconds, type Boundary } from './epoch-clock.js'
import { partGridProblem } from './cmaf-config.js'
import { buildCmafFfmpegArgs } from './cmaf-ffmpeg-args.js'
import { planCmafRun } from './cmaf-run-plan.js'
import { ConfigError } from '../config/config-error.js'
import { CmafPublisher, type CmafTarget } from './cmaf-publisher.js'
import { buildFfmpegArgs, PRIVATE_PLAYLIST, PUBLIC_PLAYLIST, renditionDir, type FfmpegArgsOptions } from './ffmpeg-args.js'
import { FfmpegSupervisor, type FfmpegSupervisorOptions } from './ffmpeg-supervisor.js'
import { checkTool, probeInput } from './input-probe.js'
import { planLoop, type LoopPlan } from './loop-plan.js'
import { prepareLoopSource, type LoopSource } from './loop-source.js'
import { buildMasterPlaylist } from './master-playlist.js'
import { PlaylistPublisher } from './playlist-publisher.js'
import { StaleFfmpegGuard } from './stale-ffmpeg.js'
import type { WorkerConfig } from './worker-config.js'
import { forgetSignal, type WorkerMetrics } from './worker-metrics.js'

/** The loop's files, beside the output: a leading dot keeps every packager from serving them. */
const LOOP_DIR = '.loop'

/** A catch-up encodes this much past its last segment; the short segment it starts is dropped. */
const CATCH_UP_OVERRUN_S = 0.5

/**
 * A CMAF run reads unpaced and runs seconds ahead (part-pacer.ts): at full speed in bursts. Niced,
 * those bursts yield the cores to what has a deadline (players, live pulls, the other services).
 */
const CMAF_NICENESS = 10

/** Segments stay on disk at least this long after they leave the playlist, for slow readers and caches. */
const LINGER_SECONDS = 30

/** What one stream is encoded from and how: the worker's settings with one stream's definition. */
export type EncoderSettings = Pick<WorkerConfig, 'inputPath' | 'segmentSeconds' | 'ladder' | 'listSize' | 'ffmpegPath' | 'ffprobePath' | 'videoPreset' | 'frameRate' | 'catchUp' | 'segmentFormat' | 'partSeconds'> & {
  readonly signalName: string
  /** `<OUTPUT_STREAM_PATH>/<signal>`: the packager serves it as `/<signal>/`. */
  readonly signalDir: string
}

/**
 * One stream on one worker: checks its tools and input, writes the master playlist, and keeps an
 * epoch-locked ffmpeg ladder running while the publisher turns ffmpeg's playlists into public ones.
 */
export class StreamEncoder {
  readonly #settings: EncoderSettings
  readonly #log: Logger
  readonly #metrics: WorkerMetrics
  readonly #guard: StaleFfmpegGuard
  #supervisor: FfmpegSupervisor | undefined
  #publisher: PlaylistPublisher | undefined
  #cmaf: CmafPublisher | undefined
  #closing: Promise<void> | undefined
  /** The catch-up in flight, if any: close() waits for it (it is bounded by its own timeout). */
  #catchingUp: Promise<void> | undefined

  constructor (settings: EncoderSettings, log: Logger, metrics: WorkerMetrics) {
    this.#settings = settings
    this.#log = log.child({ signal: settings.signalName })
    this.#metrics = metrics
    this.#guard = new StaleFfmpegGuard(join(settings.signalDir, '.ffmpeg.pid'), settings.signalDir, this.#log)
  }

  /** PID of the current ffmpeg, for tests and diagnostics. */
  get ffmpegPid (): number | undefined {
    return this.#supervisor?.pid
  }

  async start (): Promise<void> {
    const c = this.#settings
    const signal = c.signalName
    await checkTool('ffmpeg', c.ffmpegPath, 'FFMPEG_PATH')
    const input = await probeInput(c.ffprobePath, c.inputPath)
    const plan = planLoop(input, c.segmentSeconds, c.frameRate)
    this.#log.info({
      input: c.inputPath, durationSeconds: input.durationSeconds, videoSeconds: plan.videoSeconds, hasAudio: input.hasAudio,
      segmentsPerLoop: plan.segmentsPerLoop, loopSeconds: plan.loopSeconds
    }, 'input probed')
    if (plan.cutSeconds * c.frameRate >= 0.5) {
      this.#log.info({ cutSeconds: Number(plan.cutSeconds.toFixed(3)), loopSeconds: plan.loopSeconds },
        'the input is not a whole number of segments: the loop stops at the last whole one and the rest is never shown')
    }

    await mkdir(c.signalDir, { recursive: true })
    await this.#guard.killLeftover()
    // after the guard: a leftover ffmpeg may still be reading the loop files
    const loop = await prepareLoopSource({
      ffmpegPath: c.ffmpegPath,
      ffprobePath: c.ffprobePath,
      inputPath: c.inputPath,
      info: input,
      plan,
      segmentSeconds: c.segmentSeconds,
      frameRate: c.frameRate,
      dir: join(c.signalDir, LOOP_DIR),
      log: this.#log
    })
    const targets = c.ladder.map((r) => ({ rendition: r.name, dir: renditionDir(c.signalDir, c.ladder, r) }))
    for (const t of targets) {
      await mkdir(t.dir, { recursive: true })
      // a private playlist from an earlier process is stale: never republish it
      await rm(join(t.dir, PRIVATE_PLAYLIST), { force: true })
      await removeOtherFormatPlaylist(t.dir, c.segmentFormat)
    }
    if (c.ladder.length > 1) {
      await writeFileAtomic(join(c.signalDir, PUBLIC_PLAYLIST), buildMasterPlaylist({ ladder: c.ladder, frameRate: c.frameRate, preset: c.videoPreset }))
    }
    if (this.#closing !== undefined) return

    const deleteThreshold = Math.max(c.listSize, Math.ceil(LINGER_SECONDS / c.segmentSeconds))
    if (c.segmentFormat === 'fmp4') {
      await this.#startCmaf(targets, loop, plan, deleteThreshold)
      return
    }
    this.#publisher = new PlaylistPublisher({
      targets,
      segmentSeconds: c.segmentSeconds,
      keepBehind: c.listSize + deleteThreshold,
      log: this.#log,
      onPublished: ({ rendition, lastMsn }) => { this.#metrics.lastMsn.set({ signal, rendition }, lastMsn) }
    })
    this.#publisher.start()

    const argsFor = (boundary: Boundary, more: Partial<FfmpegArgsOptions> = {}): string[] => buildFfmpegArgs({
      videoPath: loop.videoPath,
      audioPath: loop.audioPath,
      loopSeconds: plan.loopSeconds,
      loopOffsetSeconds: loopOffsetSeconds(boundary.msn, plan.segmentsPerLoop, c.segmentSeconds),
      t0Ms: boundary.t0Ms,
      startMsn: boundary.msn,
      segmentSeconds: c.segmentSeconds,
      listSize: c.listSize,
      deleteThreshold,
      ladder: c.ladder,
      frameRate: c.frameRate,
      preset: c.videoPreset,
      signalDir: c.signalDir,
      ...more
    })
    await this.#supervise({
      argsFor: (boundary) => argsFor(boundary),
      onRestartPlanned: (restart) => { this.#catchUp(restart, argsFor) }
    })
    this.#log.info({ output: c.signalDir, renditions: c.ladder.map((r) => r.name), segmentSeconds: c.segmentSeconds }, 'encoder started')
  }

  /** Starts the ffmpeg supervisor with what every run reports: up, restarts, speed, its PID for the stale guard. */
  async #supervise (options: Pick<FfmpegSupervisorOptions, 'argsFor' | 'onRestartPlanned' | 'planRun' | 'extraPipes' | 'niceness'> & {
    readonly onRun?: (run: { boundary: Boundary, pipe: (fd: number) => Readable | undefined }) => void
  }): Promise<void> {
    const c = this.#settings
    const signal = c.signalName
    const { onRun, ...rest } = options
    this.#supervisor = new FfmpegSupervisor({
      ...rest,
      ffmpegPath: c.ffmpegPath,
      segmentSeconds: c.segmentSeconds,
      log: this.#log,
      onSpawn: ({ pid, boundary, pipe }) => {
        this.#metrics.ffmpegUp.set({ signal }, 1)
        onRun?.({ boundary, pipe })
        this.#guard.record(pid).catch((err: unknown) => { this.#log.warn({ err }, 'could not record the ffmpeg PID') })
      },
      onDied: () => {
        this.#metrics.ffmpegUp.set({ signal }, 0)
        this.#metrics.restarts.inc({ signal })
      },
      onSpeed: (speed) => { this.#metrics.speed.set({ signal }, speed) }
    })
    this.#metrics.restarts.inc({ signal }, 0)
    await this.#supervisor.start()
  }

  /**
   * CMAF (SEGMENT_FORMAT=fmp4): ffmpeg writes fragmented MP4 on pipes and the CmafPublisher cuts
   * parts and segments from it, each published at its end time. A run that replaces a dead one
   * starts where it stopped (planCmafRun): with the parts held back, players see no gap.
   */
  async #startCmaf (targets: readonly CmafTarget[], loop: LoopSource, plan: LoopPlan, lingerSegments: number): Promise<void> {
    const c = this.#settings
    const signal = c.signalName
    const problem = partGridProblem(c.segmentSeconds, Math.round(c.partSeconds * 1000), c.frameRate)
    if (problem !== undefined) throw new ConfigError('PART_DURATION', `stream ${signal}: ${problem}`)
    const publisher = new CmafPublisher({
      targets,
      segmentSeconds: c.segmentSeconds,
      partSeconds: c.partSeconds,
      listSize: c.listSize,
      lingerSegments,
      log: this.#log,
      onPublished: ({ rendition, lastMsn }) => { this.#metrics.lastMsn.set({ signal, rendition }, lastMsn) }
    })
    this.#cmaf = publisher
    const grid = { segmentMs: c.segmentSeconds * 1000, partMs: Math.round(c.partSeconds * 1000) }
    await this.#supervise({
      planRun: (nowMs) => {
        const plan = planCmafRun(publisher.frontier(), nowMs, grid, c.catchUp)
        if (plan.caughtUpSegments > 0) {
          this.#metrics.catchUp.inc({ signal, outcome: 'caught_up' }, plan.caughtUpSegments)
          this.#log.info({ msn: plan.boundary.msn, segments: plan.caughtUpSegments }, 'the new run starts where the dead one stopped')
        }
        if (plan.lostSegments > 0) {
          this.#metrics.catchUp.inc({ signal, outcome: 'lost' }, plan.lostSegments)
          this.#log.warn({ msn: plan.boundary.msn, segments: plan.lostSegments }, 'the new run starts on the next boundary: players see a gap')
        }
        return plan.boundary
      },
      extraPipes: 2 * c.ladder.length,
      niceness: CMAF_NICENESS,
      argsFor: (boundary) => buildCmafFfmpegArgs({
        videoPath: loop.videoPath,
        audioPath: loop.audioPath,
        loopSeconds: plan.loopSeconds,
        segmentsPerLoop: plan.segmentsPerLoop,
        t0Ms: boundary.t0Ms,
        startMsn: boundary.msn,
        segmentSeconds: c.segmentSeconds,
        ladder: c.ladder,
        frameRate: c.frameRate,
        preset: c.videoPreset
      }),
      onRun: ({ boundary, pipe }) => { publisher.startRun(boundary, pipe) }
    })
    this.#log.info({ output: c.signalDir, renditions: c.ladder.map((r) => r.name), segmentSeconds: c.segmentSeconds, partSeconds: c.partSeconds }, 'CMAF encoder started')
  }

  /** Re-encodes what the dead run lost before `restart`, in the background; a failure leaves the gap. */
  #catchUp (restart: Boundary, argsFor: (boundary: Boundary, more: Partial<FfmpegArgsOptions>) => string[]): void {
    const c = this.#settings
    if (this.#closing !== undefined) return
    const plan = planCatchUp(this.#publisher?.newestPublishedByAll(), restart.msn)
    if (plan === undefined) return
    const outcome = (name: 'caught_up' | 'lost'): void => { this.#metrics.catchUp.inc({ signal: c.signalName, outcome: name }, plan.count) }
    if (!c.catchUp) {
      outcome('lost')
      return
    }
    const segMs = c.segmentSeconds * 1000
    const startedAt = Date.now()
    const first: Boundary = { msn: plan.firstMsn, t0Ms: boundaryMs(plan.firstMsn, c.segmentSeconds) }
    this.#catchingUp = runCatchUp(plan, {
      ffmpegPath: c.ffmpegPath,
      signalDir: c.signalDir,
      ladder: c.ladder,
      segmentSeconds: c.segmentSeconds,
      // a little past the last one, so its closing audio frames are cut as a continuous run cuts them
      argsFor: (dir) => argsFor(first, { signalDir: dir, listSize: 0, catchUpSeconds: plan.count * c.segmentSeconds + CATCH_UP_OVERRUN_S }),
      // the restarted run's first segment is due at the end of its first segment: later, it would come first
      timeoutMs: Math.max(500, restart.t0Ms + segMs - startedAt)
    }).then((result) => {
      if (!result.ok) {
        outcome('lost')
        this.#log.warn({ firstMsn: plan.firstMsn, count: plan.count, reason: result.reason }, 'catch-up failed: players see a gap')
        return
      }
      const taken = Math.min(...c.ladder.map((r) => this.#publisher?.addCatchUp(r.name, result.segments.get(r.name) ?? []) ?? 0))
      outcome(taken === plan.count ? 'caught_up' : 'lost')
      this.#log.info({ firstMsn: plan.firstMsn, count: plan.count, taken, ms: Date.now() - startedAt }, taken === plan.count ? 'segments the dead run lost caught up' : 'catch-up came too late: players see a gap')
    }, (err: unknown) => {
      outcome('lost')
      this.#log.warn({ firstMsn: plan.firstMsn, err: String(err) }, 'catch-up could not run: players see a gap')
    })
  }

  async close (): Promise<void> {
    this.#closing ??= this.#close()
    await this.#closing
  }

  async #close (): Promise<void> {
    // the publishers stop first so ffmpeg's final short segment and ENDLIST never go public, and a
    // paused CMAF pipe flows again: ffmpeg blocked on it would not see its SIGTERM
    await this.#publisher?.close()
    await this.#cmaf?.close()
    await this.#supervisor?.close()
    await this.#catchingUp
    await this.#guard.clear()
    forgetSignal(this.#metrics, this.#settings.signalName, this.#settings.ladder.map((r) => r.name))
  }
}

/**
 * An earlier process's public playlist in the other SEGMENT_FORMAT (`make run-local-ll`, then
 * `make run-local` on the same folder): the packagers would serve it until this run's first
 * segment, and the origin would take CMAF parts from it for a stream that has none.
 */
async function removeOtherFormatPlaylist (dir: string, format: EncoderSettings['segmentFormat']): Promise<void> {
  const path = join(dir, PUBLIC_PLAYLIST)
  const text = await readFile(path, 'utf8').catch(() => undefined)
  if (text !== undefined && text.includes('#EXT-X-MAP:') !== (format === 'fmp4')) await rm(path, { force: true })
}
