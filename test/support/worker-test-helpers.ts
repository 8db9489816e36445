import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)

export { freePort } from './free-port.js'
export { makeSampleInput as makeInput } from './sample-input.js'

export interface ListedSegment { readonly msn: number, readonly pdtMs: number, readonly uri: string }
export interface MediaPlaylist { readonly targetDuration: number, readonly mediaSequence: number, readonly segments: ListedSegment[] }

/** A just-enough parser for the worker's public media playlists. */
export async function readMediaPlaylist (path: string): Promise<MediaPlaylist | undefined> {
  let text: string
  try { text = await readFile(path, 'utf8') } catch { return undefined }
  const lines = text.split('\n')
  const target = Number(/#EXT-X-TARGETDURATION:(\d+)/.exec(text)?.[1])
  const mediaSequence = Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1])
  const segments: ListedSegment[] = []
  let pdt: number | undefined
  for (const line of lines) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = Date.parse(line.slice(25))
    else if (line !== '' && !line.startsWith('#')) {
      if (pdt === undefined) throw new Error(`segment ${line} has no PDT`)
      segments.push({ msn: mediaSequence + segments.length, pdtMs: pdt, uri: line })
      pdt = undefined
    }
  }
  return { targetDuration: target, mediaSequence, segments }
}

export interface ProbedStream { codec_name: string, codec_type: string, width?: number, height?: number, start_time?: string }

export async function ffprobeStreams (path: string): Promise<ProbedStream[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,codec_type,width,height,start_time', '-of', 'json', path], { timeout: 30_000 })
  return (JSON.parse(stdout) as { streams: ProbedStream[] }).streams
}

/** PSNR (dB) between video frame `indexA` (the first by default) of `a` and frame `indexB` of `b`, both scaled to 426x240. */
export async function firstFramePsnr (a: string, b: string, indexB = 0, indexA = 0): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-i', a, '-i', b, '-filter_complex',
    `[0:v]scale=426:240,trim=start_frame=${indexA}:end_frame=${indexA + 1},setpts=PTS-STARTPTS[x];[1:v]scale=426:240,trim=start_frame=${indexB}:end_frame=${indexB + 1},setpts=PTS-STARTPTS[y];[x][y]psnr`,
    '-f', 'null', '-'
  ], { timeout: 30_000 })
  const match = /PSNR .*average:(inf|[\d.]+)/.exec(stderr)
  if (match === null) throw new Error(`no PSNR in ffmpeg output: ${stderr.slice(-300)}`)
  return match[1] === 'inf' ? Infinity : Number(match[1])
}

/**
 * A video whose frames say their own number: luma 20 + 3 x (n mod 60), Cb 40 + 40 x floor(n / 60)
 * (so at most 240 frames), losslessly coded; read back with frameNumberOf. With audio, a 1 kHz
 * burst fills the first 0.1 s of the file and the rest is silence, so a loop's start is audible.
 */
export async function makeCounterInput (path: string, seconds: number, options: { fps?: number, audio?: boolean } = {}): Promise<void> {
  const fps = options.fps ?? 30
  if (seconds * fps > 240) throw new Error('makeCounterInput: at most 240 frames')
  const audio = options.audio ?? true
  await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-y', '-loglevel', 'error',
    '-f', 'lavfi', '-i', `nullsrc=s=160x96:r=${fps}:d=${seconds},format=yuv420p,geq=lum='20+3*mod(N\\,60)':cb='40+40*floor(N/60)':cr=128`,
    ...(audio ? ['-f', 'lavfi', '-i', `aevalsrc='if(lt(t,0.1),0.8*sin(2*PI*1000*t),0)':s=48000:c=stereo:d=${seconds}`] : []),
    '-map', '0:v', ...(audio ? ['-map', '1:a', '-c:a', 'aac', '-b:a', '128k'] : []),
    '-c:v', 'libx264', '-qp', '0', '-g', String(fps), '-movflags', '+faststart', path
  ], { timeout: 60_000 })
}

/** The frame number makeCounterInput drew into the first video frame of a file. */
export async function frameNumberOf (path: string): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-i', path, '-map', '0:v:0', '-vf', 'showinfo', '-frames:v', '1', '-f', 'null', '-'], { timeout: 30_000 })
  const match = /mean:\[(\d+) (\d+) (\d+)\]/.exec(stderr)
  if (match === null) throw new Error(`no showinfo line for ${path}`)
  return Math.round((Number(match[2]) - 40) / 40) * 60 + Math.round((Number(match[1]) - 20) / 3)
}

/** The frame number makeCounterInput drew into every video frame of a file, in order. */
export async function frameNumbersOf (path: string): Promise<number[]> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-i', path, '-map', '0:v:0', '-vf', 'showinfo', '-f', 'null', '-'], { timeout: 30_000 })
  return [...stderr.matchAll(/mean:\[(\d+) (\d+) (\d+)\]/g)].map((m) => Math.round((Number(m[2]) - 40) / 40) * 60 + Math.round((Number(m[1]) - 20) / 3))
}

/** Peak level (dBFS) of the first `seconds` of a file's audio; -91 means digital silence. */
export async function audioPeakDb (path: string, seconds: number): Promise<number> {
  const { stderr } = await run('ffmpeg', ['-hide_banner', '-nostdin', '-i', path, '-map', '0:a:0', '-af', `atrim=end=${seconds},volumedetect`, '-f', 'null', '-'], { timeout: 30_000 })
  const match = /max_volume: (-?[\d.]+|-inf) dB/.exec(stderr)
  if (match === null) throw new Error(`no volumedetect line for ${path}`)
  return match[1] === '-inf' ? -91 : Number(match[1])
}

/** Packet pts (90 kHz ticks in MPEG-TS) of a file's first audio or video stream, in file order. */
export async function packetPts (path: string, stream: 'a' | 'v'): Promise<number[]> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts', '-of', 'csv=p=0', path], { timeout: 30_000 })
  return stdout.split('\n').map((l) => Number.parseInt(l, 10)).filter((n) => Number.isInteger(n))
}
