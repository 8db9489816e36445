import { readFileSync } from 'node:fs'
import { createServer } from 'node:net'

/**
 * True while `pid` names a process that has not exited. A zombie counts as gone: an orphaned
 * nginx is reparented to PID 1, which in a container may never reap it.
 */
export function isProcessAlive (pid: number): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false
  try {
    process.kill(pid, 0)
  } catch (err) {
    // EPERM: it exists, it is just not ours to signal
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
  const stat = readProc(pid, 'stat')
  if (stat === undefined) return true
  // the state letter follows the command name, which is in parentheses and may hold spaces
  const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3)
  return state !== 'Z' && state !== 'X'
}

/** The command line of `pid` (arguments joined by spaces), or undefined when /proc cannot tell. */
export function processCommandLine (pid: number): string | undefined {
  return readProc(pid, 'cmdline')?.replace(/\0/g, ' ').trim()
}

/** True when the process is alive and, where /proc can tell, its command line contains `needle`: guards against a recycled pid. */
export function isProcessRunning (pid: number, needle: string): boolean {
  if (!isProcessAlive(pid)) return false
  const cmdline = processCommandLine(pid)
  return cmdline === undefined || cmdline.includes(needle)
}

/** When the process started (clock ticks since boot, /proc/<pid>/stat field 22): with the pid, a name no recycled pid can carry. */
export function processStartTime (pid: number): string | undefined {
  const stat = readProc(pid, 'stat')
  if (stat === undefined) return undefined
  // fields after the parenthesised command name start at field 3 (state); start time is field 22
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]
}

/** Sends a signal to one process; false when it is already gone. */
export function signalProcess (pid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isSafeInteger(pid) || pid <= 1) return false
  try {
    process.kill(pid, signal)
    return true
  } catch {
    return false
  }
}

/** Sends a signal to a whole process group (a watchdog, its nginx master and workers); false when the group is empty. */
export function signalGroup (pgid: number, signal: NodeJS.Signals): boolean {
  if (!Number.isSafeInteger(pgid) || pgid <= 1) return false
  try {
    process.kill(-pgid, signal)
    return true
  } catch {
    return false
  }
}

/** True when a TCP listener could bind host:port a moment ago. */
export async function isPortFree (host: string, port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen({ host, port, exclusive: true }, () => server.close(() => resolve(true)))
  })
}

/** Resolves after `ms`, or at once when `until` turns true (checked every `stepMs`). */
export async function waitUntil (until: () => boolean, ms: number, stepMs = 50): Promise<boolean> {
  const deadline = Date.now() + ms
  for (;;) {
    if (until()) return true
    if (Date.now() >= deadline) return false
    await new Promise((resolve) => setTimeout(resolve, stepMs))
  }
}

function readProc (pid: number, file: string): string | undefined {
  try {
    return readFileSync(`/proc/${pid}/${file}`, 'utf8')
  } catch {
    return undefined
  }
}
