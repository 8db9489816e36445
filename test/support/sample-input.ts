import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { copyFile, mkdir, readFile, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { PROJECT_ROOT } from './project-root.js'

const run = promisify(execFile)
const SCRIPT = join(PROJECT_ROOT, 'assets/make-sample-input.sh')
const CACHE_DIR = join(PROJECT_ROOT, 'node_modules/.cache/sample-inputs')

/**
 * Writes a small sample input to `path` with the project's own script. Each stack needs one, and
 * encoding it costs about 2 s of CPU: one file per script version, length and size is kept and
 * copied (the script writes a temporary file and renames it, so two test files may make it at once).
 */
export async function makeSampleInput (path: string, seconds = 20, size = '640x360'): Promise<void> {
  const script = await readFile(SCRIPT)
  const key = createHash('sha256').update(script).update(`\0${seconds}\0${size}`).digest('hex').slice(0, 16)
  const cached = join(CACHE_DIR, `${key}.mp4`)
  if (await stat(cached).then((s) => s.size === 0, () => true)) {
    await mkdir(CACHE_DIR, { recursive: true })
    await run('bash', [SCRIPT, cached, String(seconds), size], { timeout: 60_000 })
  }
  await copyFile(cached, path)
}
