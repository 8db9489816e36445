// Issue 10's outages as chaos rows: every packager frozen at once on a busy machine, every
// encoder restarted at once (the segments lost are caught up), the reporter away for longer than
// the edge view was trusted. Each "control" row is the same fault made longer than the design can absorb: it must
// show the fault to players, or the run fails, so the rows above it can fail too.
import { spawn, type ChildProcess } from 'node:child_process'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { LocalStack } from '../support/local-stack.js'
import type { FaultEffect } from './chaos-tabulate.js'
import { DEFAULT_SEGMENT_SECONDS } from '../../internal/streams/stream-definition.js'

export interface ChaosFault {
  readonly name: string
  /** Shown, never failing the run: the design cannot promise zero here. */
  readonly informational?: boolean
  /** Made longer than the design absorbs: players must see it (a stall or a fatal error), or the run fails. */
  readonly control?: boolean
  /**
   * What the design lets this fault cost each player, per repeat, for a fault it cannot hide (a
   * hole some players wait out). No row needs it since the encoder restart is caught up.
   */
  readonly allowedStall?: { readonly perPlayer: number, readonly maxS: number }
  /** Injects the fault and undoes it; resolves once it has been undone, with the servers it took down if it says. */
  readonly run: (stack: LocalStack) => Promise<FaultEffect | undefined | void>
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/**
 * Busy processes for `ms`, one per `count`: the load average of a machine that is busy when things
 * go wrong. Each stops by itself; `stop()` ends them early, by PID.
 */
export function burnCpu (count: number, ms: number): { stop: () => void } {
  const children: ChildProcess[] = []
  for (let i = 0; i < count; i++) {
    children.push(spawn(process.execPath, ['-e', `const end = Date.now() + ${ms}; while (Date.now() < end) {}`], { stdio: 'ignore' }))
  }
  return { stop: () => { for (const c of children) if (c.exitCode === null) c.kill('SIGKILL') } }
}

/** Both packagers frozen for `ms` while `burners` busy processes load the machine. */
async function freezeEveryPackager (stack: LocalStack, ms: number, burners: number): Promise<void> {
  const load = burnCpu(burners, ms + 10_000)
  try {
    stack.procs.server1.signal('SIGSTOP')
    stack.procs.server2.signal('SIGSTOP')
    await sleep(ms)
  } finally {
    stack.procs.server1.signal('SIGCONT')
    stack.procs.server2.signal('SIGCONT')
  }
  await sleep(10_000)
  load.stop()
}

/**
 * SIGKILLs the ffmpeg of every worker `phaseMs` into a segment. MPEG-TS: their supervisors restart
 * it on the next epoch boundary, and a catch-up run re-encodes what the dead one lost
 * (WORKER_CATCH_UP); a worker publishes a segment about 0.3 s after its end on an idle machine, so
 * a kill before that loses the segment just ended as well as the one being written. CMAF: the dead
 * run's held parts go out on time and its successor starts at once where it stopped.
 */
async function killEveryFfmpeg (stack: LocalStack, phaseMs: number, segmentSeconds: number): Promise<void> {
  const segMs = segmentSeconds * 1000
  await sleep((phaseMs - (Date.now() % segMs) + segMs) % segMs)
  for (const dir of [stack.outputPath, stack.outputPath2]) {
    const pid = Number((await readFile(join(dir, 'live01', '.ffmpeg.pid'), 'utf8').catch(() => '')).trim())
    if (Number.isInteger(pid) && pid > 1) { try { process.kill(pid, 'SIGKILL') } catch {} }
  }
}

/**
 * The faults; `waitSettled` waits until both packagers serve again (the next fault may need them).
 * `segmentSeconds` is the stack's SEGMENT_DURATION: the encoder kills are timed within a segment.
 */
export function outageFaults (waitSettled: (stack: LocalStack) => Promise<void>, segmentSeconds = DEFAULT_SEGMENT_SECONDS): ChaosFault[] {
  const segMs = segmentSeconds * 1000
  return [
    {
      name: 'every packager SIGSTOP 3 s, machine loaded',
      run: async (s) => { await freezeEveryPackager(s, 3000, 4); await waitSettled(s) }
    },
    {
      name: 'every encoder (ffmpeg) SIGKILL at once, mid-segment: one MSN caught up',
      run: async (s) => { await killEveryFfmpeg(s, segMs / 2, segmentSeconds); await sleep(8000); await waitSettled(s) }
    },
    {
      name: 'every encoder (ffmpeg) SIGKILL at once, 0.1 s into a segment: two MSNs caught up',
      run: async (s) => { await killEveryFfmpeg(s, 100, segmentSeconds); await sleep(8000); await waitSettled(s) }
    },
    {
      name: 'reporter SIGKILL, restarted 40 s later',
      run: async (s) => { s.procs.reporter.signal('SIGKILL'); await sleep(40_000); await s.procs.reporter.start() }
    },
    {
      name: 'control: every packager SIGSTOP 20 s',
      control: true,
      run: async (s) => { await freezeEveryPackager(s, 20_000, 0); await waitSettled(s) }
    }
  ]
}
