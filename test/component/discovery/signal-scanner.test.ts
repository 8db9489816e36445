import t from 'tap'
import { mkdir, mkdtemp, rename, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { pino } from 'pino'
import { SignalScanner } from '../../../internal/discovery/signal-scanner.js'
import { waitFor } from '../../support/wait-for.js'

const MAX_AGE = 10_000

async function age (path: string, ms: number): Promise<void> {
  const at = new Date(Date.now() - ms)
  await utimes(path, at, at)
}

t.test('live signals on disk follow the newest playlist mtime', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'scanner-test-'))
  const root = join(dir, 'output')
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const scanner = new SignalScanner(root, pino({ level: 'silent' }))
  t.teardown(async () => { await scanner.close() })
  await scanner.start()
  t.same(await scanner.scan(Date.now(), MAX_AGE), [], 'a missing output folder is created and empty')

  await mkdir(join(root, 'live01', '720p'), { recursive: true })
  await mkdir(join(root, 'old', '720p'), { recursive: true })
  await writeFile(join(root, 'live01', 'playlist.m3u8'), '#EXTM3U\n')
  await writeFile(join(root, 'live01', '720p', 'playlist.m3u8'), '#EXTM3U\n')
  await writeFile(join(root, 'old', 'playlist.m3u8'), '#EXTM3U\n')
  await writeFile(join(root, 'old', '720p', 'playlist.m3u8'), '#EXTM3U\n')
  await age(join(root, 'old', 'playlist.m3u8'), 60_000)
  await age(join(root, 'old', '720p', 'playlist.m3u8'), 11_000)
  await waitFor('live01 to be seen', async () => (await scanner.scan(Date.now(), MAX_AGE)).includes('live01'), { timeoutMs: 10_000 })
  t.same(await scanner.scan(Date.now(), MAX_AGE), ['live01'], 'old: newest playlist is 11s old, over MAX_AGE_PLAYLIST')

  // the worker renames a fresh playlist over the old one: old is live again
  await writeFile(join(root, 'old', '720p', 'playlist.m3u8.tmp'), '#EXTM3U\n')
  await rename(join(root, 'old', '720p', 'playlist.m3u8.tmp'), join(root, 'old', '720p', 'playlist.m3u8'))
  t.same(await scanner.scan(Date.now(), MAX_AGE), ['live01', 'old'])

  // mtimes are re-read at each scan: ageing a file without any event still counts
  await age(join(root, 'live01', 'playlist.m3u8'), 20_000)
  await age(join(root, 'live01', '720p', 'playlist.m3u8'), 20_000)
  t.same(await scanner.scan(Date.now(), MAX_AGE), ['old'])

  await rm(join(root, 'old'), { recursive: true })
  t.same(await scanner.scan(Date.now(), MAX_AGE), [], 'a deleted signal is gone')
})

t.test('an output folder replaced under the watch is picked up again', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'scanner-test-'))
  const root = join(dir, 'output')
  await mkdir(root, { recursive: true })
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const scanner = new SignalScanner(root, pino({ level: 'silent' }))
  t.teardown(async () => { await scanner.close() })
  await scanner.start()
  await rm(root, { recursive: true })
  await mkdir(join(root, 'live02'), { recursive: true })
  await writeFile(join(root, 'live02', 'playlist.m3u8'), '#EXTM3U\n')
  const live = await waitFor('live02 after the folder was replaced', async () => {
    const signals = await scanner.scan(Date.now(), MAX_AGE)
    return signals.length > 0 ? signals : undefined
  }, { timeoutMs: 10_000 })
  t.same(live, ['live02'])
})
