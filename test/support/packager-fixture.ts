// Shared by the packager tests: a temp root of hand-written playlists and fake segments, a
// secret file beside it, and a started PackagerService on port 0.
import { mkdtemp, mkdir, rename, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { pino, type Logger } from 'pino'
import { loadPackagerConfig } from '../../internal/packager/packager-config.js'
import { PackagerService } from '../../internal/packager/packager-service.js'

export const SECRET = 'TOP-SECRET-7f3a9c'

export interface Fixture {
  readonly dir: string
  readonly root: string
  readonly service: PackagerService
  readonly url: string
  write: (key: string, content: string | Buffer) => Promise<void>
  /** Writes a temp file and renames it over `key`, as the worker does. */
  replace: (key: string, content: string | Buffer) => Promise<void>
}

/** A media playlist with `count` segments seg_<n>.ts from `first`, target duration `td`. */
export function mediaPlaylist (first: number, count: number, td = 1, prefix = 'seg_'): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:3', `#EXT-X-TARGETDURATION:${td}`, `#EXT-X-MEDIA-SEQUENCE:${first}`]
  for (let n = first; n < first + count; n++) lines.push(`#EXTINF:${td}.000,`, `${prefix}${n}.ts`)
  return lines.join('\n') + '\n'
}

export const MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=800000,RESOLUTION=640x360\n360p/playlist.m3u8\n'

export function segmentBytes (n: number, size = 4096): Buffer {
  const buf = Buffer.alloc(size, n % 251)
  buf.write(`segment-${n}`)
  return buf
}

interface TapLike { teardown: (fn: () => unknown) => void }

/** `log`: where the service logs (default: nowhere), for tests that check what it logs. */
export async function startFixture (t: TapLike, env: Record<string, string> = {}, log: Logger = pino({ level: 'silent' })): Promise<Fixture> {
  const dir = await mkdtemp(path.join(tmpdir(), 'packager-test-'))
  const root = path.join(dir, 'root')
  await mkdir(path.join(root, 'live01', '360p'), { recursive: true })
  await mkdir(path.join(root, 'solo'), { recursive: true })
  // beside the root, named like a segment and a playlist so only the path checks can stop them
  await writeFile(path.join(dir, 'secret.ts'), SECRET)
  await writeFile(path.join(dir, 'secret.m3u8'), SECRET)
  await writeFile(path.join(root, 'live01', 'playlist.m3u8'), MASTER)
  await writeFile(path.join(root, 'live01', '360p', 'playlist.m3u8'), mediaPlaylist(10, 3))
  for (const n of [10, 11, 12]) await writeFile(path.join(root, 'live01', '360p', `seg_${n}.ts`), segmentBytes(n))
  await writeFile(path.join(root, 'live01', '360p', 'init.mp4'), Buffer.from('ftypiso6'))
  // one-rendition ladder: media playlist and segments at the signal level
  await writeFile(path.join(root, 'solo', 'playlist.m3u8'), mediaPlaylist(5, 2))
  await writeFile(path.join(root, 'solo', 'seg_5.ts'), segmentBytes(5))

  const config = loadPackagerConfig({
    PACKAGER_ROOT: root,
    PACKAGER_PORT: '0',
    LOG_LEVEL: 'silent',
    PACKAGER_PLAYLIST_RECHECK: '300ms',
    ...env
  })
  const service = new PackagerService(config, log)
  t.teardown(async () => {
    await service.close()
    await rm(dir, { recursive: true, force: true })
  })
  await service.start()
  let tmpCounter = 0
  return {
    dir,
    root,
    service,
    url: service.url,
    write: async (key, content) => { await writeFile(path.join(root, key), content) },
    replace: async (key, content) => {
      const target = path.join(root, key)
      const tmp = path.join(path.dirname(target), `.${path.basename(target)}.${tmpCounter++}.tmp`)
      await writeFile(tmp, content)
      await rename(tmp, target)
    }
  }
}

/** Polls `check` until it returns true or `deadlineMs` passes; returns whether it did. */
export async function eventually (check: () => Promise<boolean>, deadlineMs = 5000): Promise<boolean> {
  const until = Date.now() + deadlineMs
  while (Date.now() < until) {
    if (await check()) return true
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  return await check()
}
