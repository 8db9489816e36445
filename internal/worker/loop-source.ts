import { createHash } from 'node:crypto'
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises'
import { join, resolve } from 'node:path'
import type { Logger } from '../log/logger.js'
import { probeInput, type InputInfo } from './input-probe.js'
import { LOOP_AUDIO, planLoop, type LoopPlan } from './loop-plan.js'
import { isMissingTool, runOnce } from '../process/spawn-child.js'
import { WorkerErrors } from './worker-errors.js'

/** The files the worker loops: both exactly loopSeconds long, so ffmpeg's pass length is exact. */
export interface LoopSource {
  /** The input itself when it already loops exactly, else a re-encoded copy. */
  readonly videoPath: string
  /** Raw PCM in LOOP_AUDIO's format. */
  readonly audioPath: string
  /** True when an earlier run had made these files already. */
  readonly reused: boolean
}

export interface LoopSourceOptions {
  readonly ffmpegPath: string
  readonly ffprobePath: string
  readonly inputPath: string
  readonly info: InputInfo
  readonly plan: LoopPlan
  readonly segmentSeconds: number
  readonly frameRate: number
  /** A folder of the worker's own; files other than the current loop's are removed. */
  readonly dir: string
  readonly log: Logger
}

const FORMAT_VERSION = 1

async function sizeOf (path: string): Promise<number | undefined> {
  try {
    return (await stat(path)).size
  } catch {
    return undefined
  }
}

/**
 * Makes the loop files once per input: the audio rendered to exactly loopSeconds of PCM (AAC
 * pads its last frame to 1024 samples, so an AAC loop is never a whole number of segments), and,
 * when the input is not an exact loop already, the video re-encoded at FRAME_RATE and cut (or
 * looped) to exactly loopSeconds. Named by a hash of the input and the plan, so a restarted worker
 * reuses them.
 */
export async function prepareLoopSource (o: LoopSourceOptions): Promise<LoopSource> {
  const { plan, info } = o
  const input = await stat(o.inputPath)
  const key = createHash('sha256').update(JSON.stringify({
    v: FORMAT_VERSION, input: resolve(o.inputPath), size: input.size, mtimeMs: input.mtimeMs,
    loopSeconds: plan.loopSeconds, frameRate: o.frameRate, reencode: plan.reencodeReason !== undefined, fill: plan.fill
  })).digest('hex').slice(0, 16)
  await mkdir(o.dir, { recursive: true })
  for (const name of await readdir(o.dir)) {
    if (!name.startsWith(`${key}.`) || name.includes('.partial')) await rm(join(o.dir, name), { recursive: true, force: true })
  }

  const audioPath = join(o.dir, `${key}.pcm`)
  const videoPath = plan.reencodeReason === undefined ? o.inputPath : join(o.dir, `${key}.mp4`)
  const samples = plan.loopSeconds * LOOP_AUDIO.sampleRate
  let reused = true

  if (await sizeOf(audioPath) !== samples * LOOP_AUDIO.bytesPerSample) {
    reused = false
    const loop = plan.fill ? ['-stream_loop', '-1'] : []
    // the loop starts at the first video frame: shift the audio by the video's own start
    const videoStart = info.video.timeBase[1] > 0 ? (info.video.minPts * info.video.timeBase[0]) / info.video.timeBase[1] : 0
    const shift = videoStart - info.startSeconds
    const source = info.hasAudio
      ? [...loop, ...(shift !== 0 ? ['-itsoffset', (-shift).toFixed(6)] : []), '-i', o.inputPath, '-map', '0:a:0',
          '-af', `aresample=${LOOP_AUDIO.sampleRate}:first_pts=0,apad=whole_len=${samples},atrim=end_sample=${samples}`]
      : ['-f', 'lavfi', '-i', `anullsrc=channel_layout=stereo:sample_rate=${LOOP_AUDIO.sampleRate}`, '-af', `atrim=end_sample=${samples}`]
    await runFfmpeg(o, [...source, '-vn', '-ac', String(LOOP_AUDIO.channels), '-ar', String(LOOP_AUDIO.sampleRate),
      '-c:a', `pcm_${LOOP_AUDIO.format}`, '-f', LOOP_AUDIO.format], audioPath, 120_000 + plan.loopSeconds * 1000)
    const size = await sizeOf(audioPath)
    if (size !== samples * LOOP_AUDIO.bytesPerSample) {
      throw new WorkerErrors.LOOP_FAILED(o.inputPath, `the loop audio has ${String(size)} bytes, not ${samples * LOOP_AUDIO.bytesPerSample}`)
    }
  }

  if (plan.reencodeReason !== undefined && await sizeOf(videoPath) === undefined) {
    reused = false
    o.log.warn({ input: o.inputPath, reason: plan.reencodeReason, loopSeconds: plan.loopSeconds }, 'input is not an exact loop: re-encoding its video once')
    const fps = o.frameRate
    await runFfmpeg(o, [
      ...(plan.fill ? ['-stream_loop', '-1'] : []), '-i', o.inputPath, '-map', '0:v:0', '-an', '-sn', '-dn',
      // start at 0, pad the tail by a second so the last frames exist, then cut by frame count
      '-vf', `setpts=PTS-STARTPTS,tpad=stop_mode=clone:stop_duration=1,fps=${fps},scale=trunc(iw/2)*2:trunc(ih/2)*2`,
      '-frames:v', String(plan.loopSeconds * fps),
      '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '16', '-pix_fmt', 'yuv420p',
      // a keyframe every second keeps each run's -ss seek short
      '-g', String(fps), '-keyint_min', String(fps), '-sc_threshold', '0',
      '-movflags', '+faststart', '-f', 'mp4'
    ], videoPath, 120_000 + plan.loopSeconds * 10_000)
    // the copy must be an exact loop itself, or the picture would drift on every pass
    const check = planLoop(await probeInput(o.ffprobePath, videoPath), o.segmentSeconds, fps)
    if (check.reencodeReason !== undefined || check.segmentsPerLoop !== plan.segmentsPerLoop) {
      await rm(videoPath, { force: true })
      throw new WorkerErrors.LOOP_FAILED(o.inputPath, `the re-encoded video is still not exact: ${check.reencodeReason ?? `${check.segmentsPerLoop} segments`}`)
    }
  }
  o.log.info({ video: videoPath, audio: audioPath, loopSeconds: plan.loopSeconds, segmentsPerLoop: plan.segmentsPerLoop, reused }, 'loop ready')
  return { videoPath, audioPath, reused }
}

/** Runs one ffmpeg that writes `target`, through a temporary name so a half-made file is never reused. */
async function runFfmpeg (o: LoopSourceOptions, args: string[], target: string, timeoutMs: number): Promise<void> {
  const partial = `${target}.partial`
  let result
  try {
    result = await runOnce(o.ffmpegPath, ['-hide_banner', '-nostdin', '-y', '-loglevel', 'error', ...args, partial], timeoutMs)
  } catch (err) {
    if (isMissingTool(err)) throw new WorkerErrors.FFMPEG_MISSING('ffmpeg', o.ffmpegPath, 'FFMPEG_PATH')
    throw err
  }
  if (result.code !== 0) {
    await rm(partial, { force: true })
    const firstError = result.stderr.trim().split('\n')[0] ?? ''
    throw new WorkerErrors.LOOP_FAILED(o.inputPath, firstError !== '' ? firstError : `ffmpeg exited ${result.code === null ? 'on a timeout' : String(result.code)}`)
  }
  await rename(partial, target)
}
