import { spawn, execFile, type ChildProcess } from 'node:child_process'
import { promisify } from 'node:util'

const run = promisify(execFile)

export interface FfmpegWarning { readonly at: number, readonly line: string }

export interface TimestampGap {
  /** Approximate wall time of the gap: recording start plus the media time before it. */
  readonly at: number
  readonly fromPts: number
  readonly gapS: number
}

export interface FfmpegReport {
  readonly exitCode: number | null
  readonly warnings: readonly FfmpegWarning[]
  readonly packets: number
  readonly durationS: number
  /** Video pts steps larger than 1.5 frame durations (a skipped segment shows as ~one segment). */
  readonly gaps: readonly TimestampGap[]
  readonly frameDurationS: number
}

// lines that are progress or informational, not a sign of trouble
// (segments spread over several edge hosts make ffmpeg open a new connection per host: not a fault)
const BENIGN = [/^\s*$/, /Opening '.*' for reading/, /^\s*(frame|size)=/, /^Press \[q\]/, /keepalive request failed/, /Cannot reuse HTTP connection for different host/]

/**
 * ffmpeg reading the origin's HLS as a second, non-browser client: `-c copy` into MPEG-TS bounded
 * by `-t`. Every stderr line at warning level or worse is kept with its arrival time; afterwards the
 * recording's video packet timestamps are checked for gaps with ffprobe.
 */
export class FfmpegHlsClient {
  private child: ChildProcess | undefined
  private startedAt = 0
  private readonly warnings: FfmpegWarning[] = []
  private exited: Promise<number | null> | undefined
  private closing: Promise<FfmpegReport> | undefined
  private lastHost: string | undefined

  constructor (private readonly entryUrl: string, private readonly outFile: string, private readonly maxSeconds: number) {}

  start (): void {
    this.startedAt = Date.now()
    // info level for the "Opening '<url>' for reading" lines (where it reads from); level tags tell the warnings
    const args = ['-hide_banner', '-nostdin', '-loglevel', 'level+info', '-y', '-i', this.entryUrl, '-t', String(this.maxSeconds), '-map', '0:v:0', '-c', 'copy', '-f', 'mpegts', this.outFile]
    const child = spawn('ffmpeg', args, { stdio: ['ignore', 'ignore', 'pipe'] })
    this.child = child
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)))
    let pending = ''
    child.stderr?.on('data', (chunk: Buffer) => {
      pending += chunk.toString()
      const lines = pending.split(/\r?\n|\r/)
      pending = lines.pop() ?? ''
      for (const line of lines) {
        const opening = /Opening '(https?:\/\/[^/']+)/.exec(line)
        if (opening !== null) this.lastHost = new URL(opening[1] ?? '').host
        if (/\[(warning|error|fatal|panic)\]/.test(line) && !BENIGN.some((re) => re.test(line))) this.warnings.push({ at: Date.now(), line: line.slice(0, 300) })
      }
    })
  }

  get pid (): number | undefined { return this.child?.pid }

  /** host:port of the last URL ffmpeg opened: the edge it reads from (it has no steering). */
  get readingFrom (): string | undefined { return this.lastHost }

  /** Ends the recording (SIGINT by PID lets ffmpeg close the file; SIGKILL if it does not) and analyses it. Idempotent. */
  async close (): Promise<FfmpegReport> {
    this.closing ??= (async () => {
      const child = this.child
      let exitCode: number | null = null
      if (child !== undefined && this.exited !== undefined) {
        if (child.exitCode === null && child.signalCode === null) {
          try { process.kill(child.pid as number, 'SIGINT') } catch {}
        }
        const timer = setTimeout(() => { try { process.kill(child.pid as number, 'SIGKILL') } catch {} }, 8000)
        exitCode = await this.exited
        clearTimeout(timer)
      }
      return { exitCode, warnings: this.warnings, ...await analyseRecording(this.outFile, this.startedAt) }
    })()
    return await this.closing
  }
}

/** Video packet timestamps of an MPEG-TS file and the gaps between them. */
export async function analyseRecording (file: string, startedAt: number): Promise<{ packets: number, durationS: number, gaps: TimestampGap[], frameDurationS: number }> {
  let out = ''
  try {
    out = (await run('ffprobe', ['-v', 'error', '-select_streams', 'v:0', '-show_entries', 'packet=pts_time,duration_time', '-of', 'csv=p=0', file], { maxBuffer: 256 * 1024 * 1024, timeout: 120_000 })).stdout
  } catch {
    return { packets: 0, durationS: 0, gaps: [], frameDurationS: 0 }
  }
  const rows = out.trim().split('\n').map((l) => l.split(',').map(Number)).filter((r) => Number.isFinite(r[0]))
  const pts = rows.map((r) => r[0] as number).sort((a, b) => a - b)
  return { packets: pts.length, ...findGaps(pts, rows.map((r) => r[1] ?? NaN), startedAt) }
}

/** Pure: gaps in sorted pts larger than 1.5 × the typical frame duration. */
export function findGaps (sortedPts: readonly number[], durations: readonly number[], startedAt: number): { durationS: number, gaps: TimestampGap[], frameDurationS: number } {
  const steps: number[] = []
  for (let i = 1; i < sortedPts.length; i++) steps.push((sortedPts[i] as number) - (sortedPts[i - 1] as number))
  const known = durations.filter((d) => Number.isFinite(d) && d > 0)
  const frame = known.length > 0 ? median(known) : steps.length > 0 ? median(steps) : 0
  const first = sortedPts[0] ?? 0
  const gaps: TimestampGap[] = []
  if (frame > 0) {
    for (let i = 1; i < sortedPts.length; i++) {
      const step = (sortedPts[i] as number) - (sortedPts[i - 1] as number)
      if (step > 1.5 * frame) gaps.push({ at: startedAt + ((sortedPts[i - 1] as number) - first) * 1000, fromPts: sortedPts[i - 1] as number, gapS: step })
    }
  }
  return { durationS: sortedPts.length > 0 ? (sortedPts[sortedPts.length - 1] as number) - first : 0, gaps, frameDurationS: frame }
}

function median (values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.floor(sorted.length / 2)] ?? 0
}
