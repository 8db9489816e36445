import { execFile } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { promisify } from 'node:util'

const run = promisify(execFile)

export { freePort } from '../support/free-port.js'
export { makeSampleInput as makeInput } from '../support/local-stack.js'

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

/** PSNR (dB) between the first video frame of `a` and frame `indexB` of `b`, both scaled to 426x240. */
export async function firstFramePsnr (a: string, b: string, indexB = 0): Promise<number> {
  const { stderr } = await run('ffmpeg', [
    '-hide_banner', '-nostdin', '-i', a, '-i', b, '-filter_complex',
    `[0:v]scale=426:240,trim=start_frame=0:end_frame=1,setpts=PTS-STARTPTS[x];[1:v]scale=426:240,trim=start_frame=${indexB}:end_frame=${indexB + 1},setpts=PTS-STARTPTS[y];[x][y]psnr`,
    '-f', 'null', '-'
  ], { timeout: 30_000 })
  const match = /PSNR .*average:(inf|[\d.]+)/.exec(stderr)
  if (match === null) throw new Error(`no PSNR in ffmpeg output: ${stderr.slice(-300)}`)
  return match[1] === 'inf' ? Infinity : Number(match[1])
}
