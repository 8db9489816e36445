import { mkdir, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { FastifyInstance } from 'fastify'
import type { Logger } from '../log/logger.js'
import type { Service } from '../lifecycle/service.js'
import { createHttpApp } from '../http/http-app.js'
import { createMetricsRegistry } from '../metrics/metrics-registry.js'
import { writeFileAtomic } from './atomic-write.js'
import { loopOffsetSeconds } from './epoch-clock.js'
import { buildFfmpegArgs, PRIVATE_PLAYLIST, PUBLIC_PLAYLIST, renditionDir } from './ffmpeg-args.js'
import { FfmpegSupervisor } from './ffmpeg-supervisor.js'
import { checkTool, probeInput } from './input-probe.js'
import { planLoop } from './loop-plan.js'
import { prepareLoopSource } from './loop-source.js'
import { buildMasterPlaylist } from './master-playlist.js'
import { PlaylistPublisher } from './playlist-publisher.js'
import type { WorkerConfig } from './worker-config.js'
import { createWorkerMetrics, type WorkerMetrics } from './worker-metrics.js'
import { StaleFfmpegGuard } from './stale-ffmpeg.js'

/** The loop's files, beside the output: a leading dot keeps every packager from serving them. */
const LOOP_DIR = '.loop'

/** Segments stay on disk at least this long after they leave the playlist, for slow readers and caches. */
const LINGER_SECONDS = 30

/**
 * The worker: checks its tools and input, writes the master playlist, and keeps an epoch-locked
 * ffmpeg ladder running while the publisher turns ffmpeg's playlists into public ones.
 */
export class WorkerService implements Service {
  private readonly log: Logger
  private readonly signalDir: string
  private readonly metrics: WorkerMetrics
  private readonly registry = createMetricsRegistry('worker')
  private supervisor: FfmpegSupervisor | undefined
  private publisher: PlaylistPublisher | undefined
  private app: FastifyInstance | undefined
  private markDraining: (() => void) | undefined
  private closing: Promise<void> | undefined
  private readonly guard: StaleFfmpegGuard

  constructor (private readonly config: WorkerConfig, log: Logger) {
    this.log = log.child({ signal: config.signalName })
    this.signalDir = join(config.outputPath, config.signalName)
    this.metrics = createWorkerMetrics(this.registry)
    this.guard = new StaleFfmpegGuard(join(this.signalDir, '.ffmpeg.pid'), this.signalDir, this.log)
  }

  /** PID of the current ffmpeg, for tests and diagnostics. */
  get ffmpegPid (): number | undefined {
    return this.supervisor?.pid
  }

  /** Port of the metrics listener, once started (undefined when disabled). */
  get metricsPort (): number | undefined {
    const address = this.app?.server.address()
    return typeof address === 'object' && address !== null ? address.port : undefined
  }

  async start (): Promise<void> {
    const c = this.config
    await checkTool('ffmpeg', c.ffmpegPath, 'FFMPEG_PATH')
    const input = await probeInput(c.ffprobePath, c.inputPath)
    const plan = planLoop(input, c.segmentSeconds, c.frameRate)
    this.log.info({
      input: c.inputPath, durationSeconds: input.durationSeconds, videoSeconds: plan.videoSeconds, hasAudio: input.hasAudio,
      segmentsPerLoop: plan.segmentsPerLoop, loopSeconds: plan.loopSeconds
    }, 'input probed')
    if (plan.cutSeconds * c.frameRate >= 0.5) {
      this.log.info({ cutSeconds: Number(plan.cutSeconds.toFixed(3)), loopSeconds: plan.loopSeconds },
        'the input is not a whole number of segments: the loop stops at the last whole one and the rest is never shown')
    }

    await mkdir(this.signalDir, { recursive: true })
    await this.guard.killLeftover()
    // after the guard: a leftover ffmpeg may still be reading the loop files
    const loop = await prepareLoopSource({
      ffmpegPath: c.ffmpegPath,
      ffprobePath: c.ffprobePath,
      inputPath: c.inputPath,
      info: input,
      plan,
      segmentSeconds: c.segmentSeconds,
      frameRate: c.frameRate,
      dir: join(this.signalDir, LOOP_DIR),
      log: this.log
    })
    const targets = c.ladder.map((r) => ({ rendition: r.name, dir: renditionDir(this.signalDir, c.ladder, r) }))
    for (const t of targets) {
      await mkdir(t.dir, { recursive: true })
      // a private playlist from an earlier process is stale: never republish it
      await rm(join(t.dir, PRIVATE_PLAYLIST), { force: true })
    }
    if (c.ladder.length > 1) {
      await writeFileAtomic(join(this.signalDir, PUBLIC_PLAYLIST), buildMasterPlaylist({ ladder: c.ladder, frameRate: c.frameRate, preset: c.videoPreset }))
    }

    if (c.metricsPort !== 0) {
      const { app, markDraining } = createHttpApp({ log: this.log, metrics: this.registry })
      this.app = app
      this.markDraining = markDraining
      await app.listen({ host: c.host, port: c.metricsPort })
      this.log.info({ port: this.metricsPort }, 'metrics listener started')
    }

    const deleteThreshold = Math.max(c.listSize, Math.ceil(LINGER_SECONDS / c.segmentSeconds))
    this.publisher = new PlaylistPublisher({
      targets,
      segmentSeconds: c.segmentSeconds,
      keepBehind: c.listSize + deleteThreshold,
      log: this.log,
      onPublished: ({ rendition, lastMsn }) => { this.metrics.lastMsn.set({ rendition }, lastMsn) }
    })
    this.publisher.start()

    this.supervisor = new FfmpegSupervisor({
      ffmpegPath: c.ffmpegPath,
      segmentSeconds: c.segmentSeconds,
      log: this.log,
      argsFor: (boundary) => buildFfmpegArgs({
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
        signalDir: this.signalDir
      }),
      onSpawn: ({ pid }) => {
        this.metrics.ffmpegUp.set(1)
        this.guard.record(pid).catch((err: unknown) => { this.log.warn({ err }, 'could not record the ffmpeg PID') })
      },
      onDied: () => {
        this.metrics.ffmpegUp.set(0)
        this.metrics.restarts.inc()
      },
      onSpeed: (speed) => { this.metrics.speed.set(speed) }
    })
    await this.supervisor.start()
    this.log.info({ output: this.signalDir, renditions: c.ladder.map((r) => r.name), segmentSeconds: c.segmentSeconds }, 'worker started')
  }

  async close (): Promise<void> {
    this.closing ??= this.doClose()
    await this.closing
  }

  private async doClose (): Promise<void> {
    this.markDraining?.()
    // the publisher stops first so ffmpeg's final short segment and ENDLIST never go public
    await this.publisher?.close()
    await this.supervisor?.close()
    await this.guard.clear()
    this.metrics.ffmpegUp.set(0)
    await this.app?.close()
  }
}
