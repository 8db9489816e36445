import { spawn, type ChildProcess } from 'node:child_process'

/** A publisher as OBS would be: ffmpeg pushing a file in real time, looped, over RTMP (FLV) or SRT (MPEG-TS). */
export interface Publisher {
  readonly child: ChildProcess
  /** Its exit code once it ended by itself (a refused connect) or was stopped. */
  readonly exited: Promise<number | null>
  readonly startedAt: number
  /** With `timeConnect`: when ffmpeg opened its output (the connect), once it has. */
  readonly connectedAt: () => number | undefined
  /** SIGKILL to its own process group; idempotent. */
  stop: () => void
}

/**
 * `timeConnect` reads ffmpeg's debug log for the moment it opens its output: the connect, after
 * ffmpeg has started and probed its input (over a second on a loaded machine).
 */
export function startPublisher (input: string, url: string, options: { timeConnect?: boolean } = {}): Publisher {
  const timeConnect = options.timeConnect === true
  const child = spawn('ffmpeg', ['-hide_banner', '-nostdin', '-loglevel', timeConnect ? 'debug' : 'error', '-re', '-stream_loop', '-1', '-i', input, '-c', 'copy', '-f', url.startsWith('srt://') ? 'mpegts' : 'flv', url], { stdio: ['ignore', 'ignore', timeConnect ? 'pipe' : 'ignore'], detached: true })
  let connectedAt: number | undefined
  let log = ''
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    if (connectedAt !== undefined) return
    log = (log + chunk).slice(-4096)
    if (log.includes('Opening an output file')) connectedAt = Date.now()
  })
  // 'close', not 'exit': the connect line may still be in the pipe when ffmpeg exits
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => { resolve(code) }))
  return {
    child,
    exited,
    startedAt: Date.now(),
    connectedAt: () => connectedAt,
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
