import { appendFile, mkdtemp, open, rm, stat, truncate, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import t, { type Test } from 'tap'
import { CACHE_STATUSES, CacheLogReader, countCacheLines, zeroCacheCounts, type CacheCounts } from '../../../internal/edges/cache-log-reader.js'

async function sandbox (t: Test): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'cache-log-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  return join(dir, 'cache.log')
}

/** Only the non-zero counts, for short assertions. */
function nonZero (counts: CacheCounts): Partial<CacheCounts> {
  return Object.fromEntries(Object.entries(counts).filter(([, n]) => n !== 0))
}

t.test('countCacheLines: every nginx status, "-" as none, unknown words never counted', async (t) => {
  const counts = zeroCacheCounts()
  const text = 'HIT\nMISS\nEXPIRED\nSTALE\nUPDATING\nREVALIDATED\nBYPASS\n-\nHIT\n\nhit\nSCARCE\nHIT\r\n'
  const result = countCacheLines(Buffer.from(text), counts)
  t.same(counts, { hit: 3, miss: 1, expired: 1, stale: 1, updating: 1, revalidated: 1, bypass: 1, none: 1 })
  t.equal(result.consumed, Buffer.byteLength(text))
  t.equal(result.unknown, 2, 'lower-case hit and SCARCE')
  t.same(Object.keys(counts).sort(), [...CACHE_STATUSES].sort(), 'labels are exactly the fixed set')
})

t.test('countCacheLines: a partial last line is not consumed', async (t) => {
  const counts = zeroCacheCounts()
  t.same(countCacheLines(Buffer.from('HIT\nMISS\nHI'), counts), { consumed: 9, unknown: 0 })
  t.same(nonZero(counts), { hit: 1, miss: 1 })
  t.same(countCacheLines(Buffer.from('HI'), counts), { consumed: 0, unknown: 0 })
  t.same(countCacheLines(Buffer.alloc(0), counts), { consumed: 0, unknown: 0 })
  t.same(nonZero(counts), { hit: 1, miss: 1 }, 'nothing added by partial or empty chunks')
})

t.test('countCacheLines: a subarray is read from its own offset', async (t) => {
  const counts = zeroCacheCounts()
  const whole = Buffer.from('MISS\nHIT\nHIT\n')
  t.same(countCacheLines(whole.subarray(5), counts), { consumed: 8, unknown: 0 })
  t.same(nonZero(counts), { hit: 2 })
})

t.test('a missing file counts nothing and is no error', async (t) => {
  const path = await sandbox(t)
  const reader = new CacheLogReader(path)
  t.same(nonZero(await reader.read()), {})
  t.equal(reader.offset, 0)
  await writeFile(path, 'MISS\n')
  t.same(nonZero(await reader.read()), { miss: 1 }, 'counted once it appears')
})

t.test('reads from the last offset; a partial last line waits for its newline', async (t) => {
  const path = await sandbox(t)
  const reader = new CacheLogReader(path)
  await writeFile(path, 'MISS\nHIT\nHI')
  t.same(nonZero(await reader.read()), { miss: 1, hit: 1 })
  t.equal(reader.offset, 9)
  t.same(nonZero(await reader.read()), {}, 'nothing new: nothing counted twice')
  await appendFile(path, 'T\n-\nSTALE\n')
  t.same(nonZero(await reader.read()), { hit: 1, none: 1, stale: 1 }, 'the completed line counts as the whole word')
  t.equal(reader.offset, (await stat(path)).size)
})

t.test('past the threshold the file is emptied, and an O_APPEND writer lands at the new start', async (t) => {
  const path = await sandbox(t)
  // as nginx holds its log: opened once, append mode
  const writer = await open(path, 'a')
  t.teardown(async () => { await writer.close() })
  const reader = new CacheLogReader(path, { truncateAtBytes: 40 })
  await writer.write('HIT\n'.repeat(5))
  t.same(nonZero(await reader.read()), { hit: 5 })
  t.equal((await stat(path)).size, 20, 'below the threshold the file stays')
  await writer.write('MISS\n'.repeat(5))
  t.same(nonZero(await reader.read()), { miss: 5 })
  t.equal((await stat(path)).size, 0, 'emptied once 45 bytes were read')
  t.equal(reader.offset, 0)
  await writer.write('HIT\nEXPIRED\n')
  t.equal((await stat(path)).size, 12, 'the writer continues at the new end, no hole')
  t.same(nonZero(await reader.read()), { hit: 1, expired: 1 })
})

t.test('a file that shrank under the reader (a new edge on the port) is read from its start', async (t) => {
  const path = await sandbox(t)
  const reader = new CacheLogReader(path)
  await writeFile(path, 'HIT\n'.repeat(10))
  t.same(nonZero(await reader.read()), { hit: 10 })
  await truncate(path, 0)
  await appendFile(path, 'MISS\n')
  t.same(nonZero(await reader.read()), { miss: 1 })
})

t.test('skipExisting: the first read moves to the end, later lines count', async (t) => {
  const path = await sandbox(t)
  await writeFile(path, 'HIT\n'.repeat(100))
  const reader = new CacheLogReader(path, { skipExisting: true })
  t.same(nonZero(await reader.read()), {}, 'what a previous manager counted is not counted again')
  t.equal(reader.offset, 400)
  await appendFile(path, 'MISS\nHIT\n')
  t.same(nonZero(await reader.read()), { miss: 1, hit: 1 })
})

t.test('a file that disappears counts nothing, then counts from the start of the next one', async (t) => {
  const path = await sandbox(t)
  const reader = new CacheLogReader(path)
  await writeFile(path, 'HIT\nHIT\n')
  t.same(nonZero(await reader.read()), { hit: 2 })
  await rm(path)
  t.same(nonZero(await reader.read()), {})
  t.equal(reader.offset, 0)
  await writeFile(path, 'BYPASS\n')
  t.same(nonZero(await reader.read()), { bypass: 1 })
})

t.test('a large backlog is read in chunks; a newline-free megabyte is passed over, not stalled on', async (t) => {
  const path = await sandbox(t)
  const reader = new CacheLogReader(path, { truncateAtBytes: 64 * 1024 * 1024 })
  const lines = 400_000
  await writeFile(path, 'HIT\nMISS\n'.repeat(lines / 2))
  t.same(nonZero(await reader.read()), { hit: lines / 2, miss: lines / 2 }, '2.6 MB across chunk boundaries')
  await appendFile(path, Buffer.alloc(1024 * 1024, 'x'))
  await appendFile(path, 'x\nHIT\n')
  t.same(nonZero(await reader.read()), { hit: 1 })
  t.equal(reader.offset, (await stat(path)).size)
})
