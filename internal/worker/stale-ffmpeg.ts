import { readFile, rm } from 'node:fs/promises'
import { resolve, sep } from 'node:path'
import type { Logger } from '../log/logger.js'
import { writeFileAtomic } from './atomic-write.js'

/**
 * An ffmpeg outlives a worker that was SIGKILLed (Node cannot ask for PDEATHSIG), and two
 * ffmpegs writing one folder corrupt it. The worker records its ffmpeg's PID beside the output
 * and, on start, kills a recorded ffmpeg that is still writing there (checked via /proc, so a
 * reused PID is never hit).
 */
export class StaleFfmpegGuard {
  constructor (private readonly pidFile: string, private readonly signalDir: string, private readonly log: Logger) {}

  async record (pid: number): Promise<void> {
    await writeFileAtomic(this.pidFile, `${pid}\n`)
  }

  async clear (): Promise<void> {
    await rm(this.pidFile, { force: true })
  }

  /** Kills the recorded ffmpeg if it is still running on this output folder; resolves once it is gone. */
  async killLeftover (): Promise<void> {
    let pid: number
    try {
      pid = Number((await readFile(this.pidFile, 'utf8')).trim())
    } catch {
      return
    }
    if (!Number.isInteger(pid) || pid <= 1 || !(await this.isOurFfmpeg(pid))) return
    this.log.warn({ pid }, 'killing an ffmpeg left over from an earlier worker')
    try { process.kill(pid, 'SIGKILL') } catch { return }
    const deadline = Date.now() + 5000
    while (Date.now() < deadline && await this.isOurFfmpeg(pid)) await new Promise((r) => setTimeout(r, 50))
  }

  private async isOurFfmpeg (pid: number): Promise<boolean> {
    try {
      const status = await readFile(`/proc/${pid}/stat`, 'utf8')
      // a zombie has exited already; it only waits for its parent to reap it
      if (/^\d+ \(.*\) Z /.test(status)) return false
      const argv = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).split('\0')
      const dir = resolve(this.signalDir)
      return argv.some((a) => a.includes('ffmpeg')) && argv.some((a) => a !== '' && resolve(a).startsWith(dir + sep))
    } catch {
      return false
    }
  }
}
