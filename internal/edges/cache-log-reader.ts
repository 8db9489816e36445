import { open, type FileHandle } from 'node:fs/promises'

/** `$upstream_cache_status` values as metric labels; `none` is nginx's "-" (answered before any cache lookup). */
export const CACHE_STATUSES = ['hit', 'miss', 'expired', 'stale', 'updating', 'revalidated', 'bypass', 'none'] as const
export type CacheStatus = (typeof CACHE_STATUSES)[number]
export type CacheCounts = Record<CacheStatus, number>

const BY_WORD: ReadonlyMap<string, CacheStatus> = new Map([
  ...CACHE_STATUSES.filter((s) => s !== 'none').map((s) => [s.toUpperCase(), s] as const),
  ['-', 'none']
])

const NEWLINE = 0x0a
const CHUNK_BYTES = 1024 * 1024
/** Past this size the log is emptied after a read: it only has to hold what one probe round brings. */
export const TRUNCATE_AT_BYTES = 256 * 1024

export function zeroCacheCounts (): CacheCounts {
  return { hit: 0, miss: 0, expired: 0, stale: 0, updating: 0, revalidated: 0, bypass: 0, none: 0 }
}

/**
 * Pure: adds the complete lines of a cache.log chunk to `counts` and returns the bytes they took
 * (through the last newline); a partial last line is not consumed. Lines that are no known status
 * (a line cut by a skip, an empty one) are counted in `unknown` and never become a label.
 */
export function countCacheLines (chunk: Uint8Array, counts: CacheCounts): { consumed: number, unknown: number } {
  const end = chunk.lastIndexOf(NEWLINE) + 1
  let unknown = 0
  if (end === 0) return { consumed: 0, unknown }
  for (const line of Buffer.from(chunk.buffer, chunk.byteOffset, end).toString('latin1').split('\n')) {
    const word = line.trim()
    if (word === '') continue
    const status = BY_WORD.get(word)
    if (status === undefined) unknown++
    else counts[status]++
  }
  // split() leaves one empty string after the final newline; it is neither a line nor unknown
  return { consumed: end, unknown }
}

/**
 * Counts the segment answers one edge's nginx logs to its cache.log (one `$upstream_cache_status`
 * word a line), reading from where the last read stopped. nginx opens the log O_APPEND, so once
 * the file passes `truncateAtBytes` it is emptied and nginx's next write lands at the new end.
 */
export class CacheLogReader {
  readonly #path: string
  readonly #truncateAt: number
  #offset = 0
  #skipPending: boolean

  /** `skipExisting`: the first read only moves to the end (an adopted edge: a previous manager counted what is there). */
  constructor (path: string, options: { skipExisting?: boolean, truncateAtBytes?: number } = {}) {
    this.#path = path
    this.#skipPending = options.skipExisting ?? false
    this.#truncateAt = options.truncateAtBytes ?? TRUNCATE_AT_BYTES
  }

  get path (): string { return this.#path }

  /** Bytes of the file already counted. */
  get offset (): number { return this.#offset }

  /** Counts the complete lines added since the last read; a missing file counts nothing. */
  async read (): Promise<CacheCounts> {
    const counts = zeroCacheCounts()
    let handle: FileHandle
    try {
      handle = await open(this.#path, 'r+')
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err
      this.#offset = 0
      this.#skipPending = false
      return counts
    }
    try {
      const { size } = await handle.stat()
      // emptied or replaced behind our back (a new edge on this port): start over
      if (size < this.#offset) this.#offset = 0
      if (this.#skipPending) {
        this.#skipPending = false
        this.#offset = size
        return counts
      }
      let position = this.#offset
      const buffer = Buffer.allocUnsafe(Math.min(CHUNK_BYTES, Math.max(1, size - position)))
      while (position < size) {
        const { bytesRead } = await handle.read(buffer, 0, Math.min(buffer.length, size - position), position)
        if (bytesRead === 0) break
        const { consumed } = countCacheLines(buffer.subarray(0, bytesRead), counts)
        if (consumed > 0) position += consumed
        // a full chunk without a newline is no line of ours: pass over it rather than stall on it
        else if (bytesRead === CHUNK_BYTES) position += bytesRead
        else break
      }
      this.#offset = position
      if (this.#offset >= this.#truncateAt) {
        // a metric, not a ledger: lines nginx appends between the read above and this truncate
        // (and a partial last line) are lost, a handful at most once per ~256 KiB
        await handle.truncate(0)
        this.#offset = 0
      }
      return counts
    } finally {
      await handle.close()
    }
  }
}
