import { access, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runOnce } from '../process/spawn-child.js'
import { WorkerErrors } from './worker-errors.js'

/** Fonts tried in order; Debian's fonts-dejavu-core (installed by make deps) gives the first. */
const FONTS = ['/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf']

export interface SlateOptions {
  readonly ffmpegPath: string
  readonly signalName: string
  readonly segmentSeconds: number
  readonly frameRate: number
  /** Folder the slate video is written to (made if missing). */
  readonly dir: string
}

async function firstFont (): Promise<string | undefined> {
  for (const font of FONTS) {
    try {
      await access(font)
      return font
    } catch {}
  }
  return undefined
}

/**
 * Makes the stream's slate once: a still frame with its name and "we'll be right back", exactly
 * one segment long at FRAME_RATE, so the worker loops it on the epoch grid like any file (and
 * every worker shows the same slate frame at the same MSN). Silence is added by the loop itself
 * (a source without audio). Without a font the frame is plain, and the log says why.
 */
export async function makeSlate (o: SlateOptions): Promise<{ path: string, lettered: boolean }> {
  await mkdir(o.dir, { recursive: true })
  const path = join(o.dir, `slate-${o.segmentSeconds}s-${o.frameRate}fps.mp4`)
  const font = await firstFont()
  const text = [`${o.signalName}`, 'We\'ll be right back']
  const filters: string[] = []
  for (const [i, line] of text.entries()) {
    const textFile = join(o.dir, `line${i}.txt`)
    await writeFile(textFile, line)
    if (font !== undefined) {
      filters.push(`drawtext=fontfile=${font}:textfile=${textFile}:fontcolor=white:fontsize=${i === 0 ? 84 : 56}:x=(w-text_w)/2:y=(h/2)+${i === 0 ? -110 : 30}`)
    }
  }
  const partial = `${path}.partial.mp4`
  const frames = o.segmentSeconds * o.frameRate
  const result = await runOnce(o.ffmpegPath, [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `color=c=0x1b2233:s=1280x720:r=${o.frameRate}`,
    ...(filters.length > 0 ? ['-vf', filters.join(',')] : []),
    '-frames:v', String(frames), '-c:v', 'libx264', '-preset', 'ultrafast', '-crf', '18', '-pix_fmt', 'yuv420p',
    '-g', String(o.frameRate), '-movflags', '+faststart', partial
  ], 60_000)
  if (result.code !== 0) {
    await rm(partial, { force: true })
    throw new WorkerErrors.LOOP_FAILED('slate', result.stderr.trim().split('\n')[0] ?? `ffmpeg exited ${String(result.code)}`)
  }
  await rename(partial, path)
  return { path, lettered: font !== undefined }
}
