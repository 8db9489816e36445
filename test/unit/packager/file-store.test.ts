import { mkdtemp, mkdir, rename, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import t from 'tap'
import { pino } from 'pino'
import { FileStore, type FileStoreOptions } from '../../../internal/packager/file-store.js'

async function setup (t: { teardown: (fn: () => unknown) => void }, options: Partial<FileStoreOptions> = {}): Promise<{ dir: string, root: string, store: FileStore, reads: string[] }> {
  const dir = await mkdtemp(path.join(tmpdir(), 'file-store-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const root = path.join(dir, 'root')
  await mkdir(path.join(root, 's', 'r'), { recursive: true })
  const reads: string[] = []
  const store = new FileStore({
    root,
    cacheBytes: 1024 * 1024,
    playlistRecheckMs: 10_000,
    log: pino({ level: 'silent' }),
    onDiskRead: (kind) => { reads.push(kind) },
    ...options
  })
  await store.init()
  return { dir, root, store, reads }
}

t.test('concurrent misses share one read; later gets are hits', async (t) => {
  const { root, store, reads } = await setup(t)
  await writeFile(path.join(root, 's', 'r', 'a.ts'), 'AAAA')
  const files = await Promise.all(Array.from({ length: 10 }, async () => await store.get('s/r/a.ts', 'segment')))
  t.equal(reads.length, 1)
  t.ok(files.every((f) => f?.type === 'memory' && f.body.toString() === 'AAAA'))
  t.ok(store.peek('s/r/a.ts') !== undefined)
  await store.get('s/r/a.ts', 'segment')
  t.equal(reads.length, 1)
  t.equal(await store.get('s/r/missing.ts', 'segment'), undefined)
  t.equal(store.peek('s/r/missing.ts'), undefined, 'a miss is not cached')
})

t.test('an invalidation during a read keeps that result out of the cache', async (t) => {
  const { root, store, reads } = await setup(t)
  const file = path.join(root, 's', 'r', 'playlist.m3u8')
  await writeFile(file, '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:1\n')
  const first = store.get('s/r/playlist.m3u8', 'playlist')
  store.invalidate('s/r/playlist.m3u8')
  await writeFile(file + '.tmp', '#EXTM3U\n#EXT-X-MEDIA-SEQUENCE:2\n')
  await rename(file + '.tmp', file)
  await first
  t.equal(store.peek('s/r/playlist.m3u8'), undefined, 'possibly old read not cached')
  const second = await store.get('s/r/playlist.m3u8', 'playlist')
  t.equal(second?.type === 'memory' ? second.info?.mediaSequence : -1, 2)
  t.equal(reads.length, 2)
})

t.test('playlists go stale after the recheck interval; segments do not', async (t) => {
  const { root, store } = await setup(t, { playlistRecheckMs: 50 })
  await writeFile(path.join(root, 's', 'p.m3u8'), '#EXTM3U\n')
  await writeFile(path.join(root, 's', 'old.ts'), 'x')
  const { utimes } = await import('node:fs/promises')
  await utimes(path.join(root, 's', 'old.ts'), new Date(Date.now() - 60_000), new Date(Date.now() - 60_000))
  await store.get('s/p.m3u8', 'playlist')
  await store.get('s/old.ts', 'segment')
  await new Promise((resolve) => setTimeout(resolve, 120))
  t.equal(store.peek('s/p.m3u8'), undefined, 'playlist must be re-read')
  t.ok(store.peek('s/old.ts') !== undefined, 'a settled segment stays')
})

t.test('files larger than an eighth of the cache are streamed, not cached', async (t) => {
  const { root, store } = await setup(t, { cacheBytes: 8 * 1024 })
  await writeFile(path.join(root, 's', 'big.ts'), Buffer.alloc(2048))
  const big = await store.get('s/big.ts', 'segment')
  t.equal(big?.type, 'large')
  t.equal(store.entries, 0)
})

t.test('the byte bound evicts least recently used files', async (t) => {
  const { root, store } = await setup(t, { cacheBytes: 64 * 1024 })
  for (let i = 0; i < 20; i++) {
    await writeFile(path.join(root, 's', `f${i}.ts`), Buffer.alloc(7000))
    await store.get(`s/f${i}.ts`, 'segment')
  }
  t.ok(store.bytes <= 64 * 1024, `bounded: ${store.bytes}`)
  t.ok(store.entries < 20)
  t.ok(store.peek('s/f19.ts') !== undefined, 'newest kept')
  t.equal(store.peek('s/f0.ts'), undefined, 'oldest evicted')
})

t.test('symlinks leading out of the root are refused; invalidatePrefix forgets a folder', async (t) => {
  const { dir, root, store } = await setup(t)
  await writeFile(path.join(dir, 'secret.ts'), 'SECRET')
  await symlink(path.join(dir, 'secret.ts'), path.join(root, 's', 'link.ts'))
  t.equal(await store.get('s/link.ts', 'segment'), undefined)
  await writeFile(path.join(root, 's', 'r', 'x.ts'), 'x')
  await store.get('s/r/x.ts', 'segment')
  store.invalidatePrefix('s/r')
  t.equal(store.peek('s/r/x.ts'), undefined)
})
