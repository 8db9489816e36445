import { spawn, type ChildProcess } from 'node:child_process'

/** A publisher as OBS would be: ffmpeg pushing a file in real time, looped, over RTMP (FLV) or SRT (MPEG-TS). */
export interface Publisher {
  readonly child: ChildProcess
  /** Its exit code once it ended by itself (a refused connect) or was stopped. */
  readonly exited: Promise<number | null>
  readonly startedAt: number
  /** SIGKILL to its own process group; idempotent. */
  stop: () => void
}

export function startPublisher (input: string, url: string): Publisher {
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', input, '-c', 'copy', '-f', url.startsWith('srt://') ? 'mpegts' : 'flv', url], { stdio: 'ignore', detached: true })
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => { resolve(code) }))
  return {
    child,
    exited,
    startedAt: Date.now(),
    stop: () => {
      // never kill(-0): that is our own process group
      if (child.pid !== undefined) try { process.kill(-child.pid, 'SIGKILL') } catch {}
    }
  }
}

export interface ListedSegment { readonly msn: number, readonly pdt: string, readonly discontinuity: boolean }

/** The segments of a media playlist (a worker's or the origin's): MSN from the `<msn>.ts` name, PDT, discontinuity. */
export function listedSegments (text: string): ListedSegment[] {
  const out: ListedSegment[] = []
  let pdt = ''
  let discontinuity = false
  for (const line of text.split('\n')) {
    if (line === '#EXT-X-DISCONTINUITY') discontinuity = true
    else if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) pdt = line.slice('#EXT-X-PROGRAM-DATE-TIME:'.length)
    else if (!line.startsWith('#')) {
      const msn = /(?:^|\/)(\d+)\.ts(?:\?.*)?$/.exec(line)?.[1]
      if (msn === undefined) continue
      out.push({ msn: Number(msn), pdt, discontinuity })
      discontinuity = false
    }
  }
  return out
}
