import { accessSync, constants } from 'node:fs'
import { delimiter, join } from 'node:path'
import { runOnce } from '../process/spawn-child.js'
import { EdgesErrors } from './edges-errors.js'

const FALLBACK = '/usr/sbin/nginx'
const INSTALL_HINT = 'install nginx (Debian: apt-get install nginx-light) or set NGINX_PATH to its binary'

function isExecutable (path: string): boolean {
  try {
    accessSync(path, constants.X_OK)
    return true
  } catch {
    return false
  }
}

/**
 * Finds the nginx binary: NGINX_PATH (a path, or a name looked up on PATH) when set, else `nginx`
 * on PATH, else /usr/sbin/nginx (not on a normal user's PATH on Debian). Returns the path, or
 * what was tried and how to fix it.
 */
export function findNginx (explicit: string | undefined, searchPath = process.env.PATH ?? ''): { path: string } | { problem: string } {
  const name = explicit ?? 'nginx'
  if (name.includes('/')) {
    return isExecutable(name) ? { path: name } : { problem: `'${name}' is not an executable file; ${INSTALL_HINT}` }
  }
  for (const dir of searchPath.split(delimiter)) {
    if (dir !== '' && isExecutable(join(dir, name))) return { path: join(dir, name) }
  }
  if (explicit === undefined && isExecutable(FALLBACK)) return { path: FALLBACK }
  const tried = explicit === undefined ? `no 'nginx' on PATH nor ${FALLBACK}` : `no '${name}' on PATH`
  return { problem: `${tried}; ${INSTALL_HINT}` }
}

/** The nginx binary, or EDGES_ERR_NGINX_NOT_FOUND saying what was tried. */
export function resolveNginx (explicit: string | undefined, searchPath?: string): string {
  const found = findNginx(explicit, searchPath)
  if ('problem' in found) throw new EdgesErrors.NGINX_NOT_FOUND(found.problem)
  return found.path
}

/** Runs `nginx -t` on a rendered config; throws EDGES_ERR_NGINX_CONFIG with nginx's own complaint. */
export async function testNginxConfig (nginx: string, prefix: string, configPath: string, templatePath: string): Promise<void> {
  let stderr: string
  try {
    const result = await runOnce(nginx, ['-t', '-q', '-p', prefix, '-c', configPath, '-e', join(prefix, 'error.log')], 10_000)
    if (result.code === 0) return
    stderr = result.stderr !== '' ? result.stderr : result.timedOut ? 'nginx -t did not finish within 10 s' : `nginx -t exited with code ${String(result.code)}`
  } catch (err) {
    stderr = (err as Error).message
  }
  const line = stderr.split('\n').find((l) => l.includes('[emerg]')) ?? stderr.trim().split('\n')[0] ?? 'unknown error'
  throw new EdgesErrors.NGINX_CONFIG(templatePath, line.trim())
}
