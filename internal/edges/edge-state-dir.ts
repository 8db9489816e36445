import { chmod, mkdir, open, readdir, readFile, rm, stat, truncate, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'

/** What a manager leaves behind for the next one to adopt an edge. */
export interface EdgeRecord {
  readonly id: string
  readonly port: number
  /** The watchdog's pid, which is also the process group of the watchdog, nginx and its workers. */
  readonly watchdogPid: number
  readonly startedAt: string
}

const PRIVATE_DIR = 0o700
const PRIVATE_FILE = 0o600
// the folder the edges service renders its template into for `nginx -t` at start
const CONFIG_CHECK = 'config-check'

/**
 * The layout of EDGES_DIR: `manager.alive` (touched every second, read by the watchdogs),
 * `manager.pid`, and one private nginx prefix per edge port, `edge-<port>/`, holding
 * nginx.conf, nginx.pid, error.log, cache.log (one cache status per segment answer), edge.json,
 * tmp/ and cache/.
 */
export class EdgeStateDir {
  constructor (readonly root: string) {}

  get aliveFile (): string { return join(this.root, 'manager.alive') }
  get managerPidFile (): string { return join(this.root, 'manager.pid') }

  prefix (port: number): string { return join(this.root, `edge-${port}`) }
  configPath (port: number): string { return join(this.prefix(port), 'nginx.conf') }
  cacheLogPath (port: number): string { return join(this.prefix(port), 'cache.log') }

  /**
   * Creates the folder, private to the service user (0700): every nginx.conf under it holds the
   * edge secret, which mints tokens the edges accept. Tightens what an older manager left (0755
   * folders, 0644 configs) and creates the template check's config file 0600 before it is written.
   */
  async ensure (): Promise<void> {
    await mkdir(this.root, { recursive: true, mode: PRIVATE_DIR })
    // never a shared folder such as /tmp (sticky): there the 0700 edge folders below keep the secret
    if (((await stat(this.root)).mode & 0o1000) === 0) await chmod(this.root, PRIVATE_DIR)
    const names = await readdir(this.root).catch(() => [] as string[])
    for (const name of names) {
      if (name !== CONFIG_CHECK && !/^edge-\d{1,5}$/.test(name)) continue
      await chmod(join(this.root, name), PRIVATE_DIR).catch(() => {})
      await chmod(join(this.root, name, 'nginx.conf'), PRIVATE_FILE).catch(() => {})
    }
    await this.#privateFolder(join(this.root, CONFIG_CHECK))
  }

  /** Creates an edge's prefix with the folders nginx expects to exist; a new edge's cache.log starts empty. */
  async preparePrefix (port: number): Promise<string> {
    const prefix = this.prefix(port)
    await this.#privateFolder(prefix)
    await mkdir(join(prefix, 'tmp'), { recursive: true, mode: PRIVATE_DIR })
    await mkdir(join(prefix, 'cache'), { recursive: true, mode: PRIVATE_DIR })
    // emptied, not removed: a replaced master's worker still serving this port keeps appending to it
    await truncate(this.cacheLogPath(port), 0).catch((err: NodeJS.ErrnoException) => { if (err.code !== 'ENOENT') throw err })
    return prefix
  }

  // a folder 0700 with its nginx.conf created 0600: whoever writes the config later (writeFile
  // truncates an existing file and keeps its mode) never leaves the secret readable by others
  async #privateFolder (prefix: string): Promise<void> {
    await mkdir(prefix, { recursive: true, mode: PRIVATE_DIR })
    await chmod(prefix, PRIVATE_DIR)
    const config = await open(join(prefix, 'nginx.conf'), 'a', PRIVATE_FILE)
    await config.close()
    await chmod(join(prefix, 'nginx.conf'), PRIVATE_FILE)
  }

  async touchAlive (now = new Date()): Promise<void> {
    try {
      await utimes(this.aliveFile, now, now)
    } catch {
      await writeFile(this.aliveFile, `${process.pid}\n`)
    }
  }

  /** The manager that claimed the folder: its pid and, where /proc tells, its start time. */
  async readManager (): Promise<{ pid: number, startTime: string | undefined } | undefined> {
    const [pid, startTime] = (await readFile(this.managerPidFile, 'utf8').catch(() => '')).trim().split(' ')
    const n = Number(pid)
    return Number.isSafeInteger(n) && n > 1 ? { pid: n, startTime: startTime === '' ? undefined : startTime } : undefined
  }

  async writeManager (pid: number, startTime: string | undefined): Promise<void> {
    await writeFile(this.managerPidFile, `${pid}${startTime === undefined ? '' : ` ${startTime}`}\n`)
  }

  async removeManagerFiles (): Promise<void> {
    await rm(this.managerPidFile, { force: true })
    await rm(this.aliveFile, { force: true })
  }

  async writeRecord (record: EdgeRecord): Promise<void> {
    await writeFile(join(this.prefix(record.port), 'edge.json'), `${JSON.stringify(record)}\n`)
  }

  /** Records of edges a previous manager left running, oldest port first; unreadable ones are skipped. */
  async readRecords (): Promise<EdgeRecord[]> {
    let names: string[]
    try {
      names = await readdir(this.root)
    } catch {
      return []
    }
    const records: EdgeRecord[] = []
    for (const name of names) {
      const match = /^edge-(\d{1,5})$/.exec(name)
      if (match === null) continue
      const record = await readRecord(join(this.root, name, 'edge.json'))
      if (record !== undefined && record.port === Number(match[1])) records.push(record)
    }
    return records.sort((a, b) => a.port - b.port)
  }

  async nginxPid (port: number): Promise<number | undefined> {
    return await readPid(join(this.prefix(port), 'nginx.pid'))
  }

  /** Forgets an edge (its record and pid file) and, unless `keepCache`, its whole prefix. */
  async forget (port: number, keepCache: boolean): Promise<void> {
    if (keepCache) {
      await rm(join(this.prefix(port), 'edge.json'), { force: true })
      await rm(join(this.prefix(port), 'nginx.pid'), { force: true })
    } else {
      await rm(this.prefix(port), { recursive: true, force: true })
    }
  }

  /** Opens the file a watchdog's stderr goes to (append), returning its descriptor. */
  async openWatchdogLog (port: number): Promise<{ fd: number, close: () => Promise<void> }> {
    const handle = await open(join(this.prefix(port), 'watchdog.log'), 'a')
    return { fd: handle.fd, close: async () => { await handle.close() } }
  }

  /** The last lines of an edge's error.log and watchdog.log, for a start failure message. */
  async logTail (port: number, lines = 3): Promise<string> {
    const parts: string[] = []
    for (const file of ['error.log', 'watchdog.log']) {
      const text = await readFile(join(this.prefix(port), file), 'utf8').catch(() => '')
      // nginx writes the request line (and upstream URL) into error.log: a viewer's token must not reach our logs
      parts.push(...text.trim().split('\n').filter((l) => l !== '').slice(-lines).map(redactQueries))
    }
    return parts.join(' | ')
  }
}

/** A log line with every URL query replaced: `GET /a/1.ts?exp=1&sig=x` -> `GET /a/1.ts?[redacted]`. */
export function redactQueries (line: string): string {
  return line.replace(/\?[^\s"',]+/g, '?[redacted]')
}

async function readPid (path: string): Promise<number | undefined> {
  const text = await readFile(path, 'utf8').catch(() => '')
  const pid = Number(text.trim())
  return Number.isSafeInteger(pid) && pid > 1 ? pid : undefined
}

async function readRecord (path: string): Promise<EdgeRecord | undefined> {
  try {
    const value = JSON.parse(await readFile(path, 'utf8')) as Partial<EdgeRecord>
    if (typeof value.id !== 'string' || typeof value.port !== 'number' || typeof value.watchdogPid !== 'number' || typeof value.startedAt !== 'string') return undefined
    return { id: value.id, port: value.port, watchdogPid: value.watchdogPid, startedAt: value.startedAt }
  } catch {
    return undefined
  }
}
