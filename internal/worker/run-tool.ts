import { execa } from 'execa'

export interface ToolResult { readonly code: number | null, readonly stdout: string, readonly stderr: string }

/**
 * Runs a short-lived tool (ffprobe, a one-off ffmpeg) to completion. A non-zero exit or a timeout
 * is an answer, not an error; only a failure to start rejects, with the spawn error (ENOENT when
 * the tool is missing).
 */
export async function runTool (file: string, args: readonly string[], timeoutMs: number): Promise<ToolResult> {
  // execa: timeout, kill and output capture in one call
  const result = await execa(file, args, { timeout: timeoutMs, killSignal: 'SIGKILL', reject: false, stdin: 'ignore' })
  const spawnError = result.cause as NodeJS.ErrnoException | undefined
  if (result.failed && result.exitCode === undefined && !result.timedOut && spawnError !== undefined) throw spawnError
  return { code: result.exitCode ?? null, stdout: String(result.stdout), stderr: String(result.stderr) }
}

/** True for the spawn errors that mean "this tool is not there" rather than "it failed". */
export function isMissingTool (err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException).code
  return code === 'ENOENT' || code === 'EACCES'
}
