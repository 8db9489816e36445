import t from 'tap'
import { execFile } from 'node:child_process'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startLocalStack, type LocalStack } from '../support/local-stack.js'
import { waitFor } from '../support/wait-for.js'

const run = promisify(execFile)

interface Ingest { signal: string, packagers: string[], details?: Array<{ url: string, healthy: boolean, reason: string }> }

async function ingests (stack: LocalStack): Promise<Ingest[]> {
  const res = await fetch(`${stack.url('reporter')}/ingests`)
  if (res.status !== 200) throw new Error(`GET /ingests answered ${res.status}`)
  return await res.json() as Ingest[]
}

async function livePackagers (stack: LocalStack): Promise<string[]> {
  return (await ingests(stack)).find((i) => i.signal === 'live01')?.packagers ?? []
}

t.test('foundation: worker, two packagers, discovery and reporter, with failures', { timeout: 240_000 }, async (t) => {
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery'] })
  const one = stack.url('server1')
  const two = stack.url('server2')
  const cycleMs = 500

  await waitFor('live01 on both packagers in /ingests', async () => (await livePackagers(stack)).length === 2, { timeoutMs: 40_000 })
  t.same((await livePackagers(stack)).sort(), [one, two].sort(), 'both packagers are listed')

  for (const base of [one, two]) {
    const res = await fetch(`${base}/live01/playlist.m3u8`)
    t.equal(res.status, 200, `${base} serves the entry playlist`)
    t.match(await res.text(), /#EXT-X-STREAM-INF:.*\n360p\/playlist\.m3u8/, 'it is a master playlist listing the ladder')
  }

  const media = async (): Promise<string> => await (await fetch(`${one}/live01/360p/playlist.m3u8`)).text()
  // the newest MSN: early on the window grows while EXT-X-MEDIA-SEQUENCE stays put
  const sequence = (text: string): number => Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)?.[1] ?? NaN) + (text.match(/^#EXTINF:/gm)?.length ?? 0) - 1
  const first = await media()
  t.match(first, /#EXT-X-PROGRAM-DATE-TIME:/, 'segments carry PROGRAM-DATE-TIME')
  const later = await waitFor('the rendition to advance', async () => { const text = await media(); return sequence(text) > sequence(first) ? text : undefined }, { timeoutMs: 10_000 })
  t.ok(sequence(later) > sequence(first), 'the media playlist advances')

  const segmentName = later.trim().split('\n').filter((l) => !l.startsWith('#')).at(-1) as string
  const bytes = Buffer.from(await (await fetch(`${two}/live01/360p/${segmentName}`)).arrayBuffer())
  const segmentPath = join(stack.dir, 'probe.ts')
  await writeFile(segmentPath, bytes)
  const { stdout } = await run('ffprobe', ['-v', 'error', '-show_entries', 'stream=codec_name,width,height', '-of', 'json', segmentPath])
  const streams = (JSON.parse(stdout) as { streams: Array<{ codec_name: string, width?: number, height?: number }> }).streams
  t.ok(streams.some((s) => s.codec_name === 'h264' && s.width === 640 && s.height === 360), 'H.264 at 640x360')
  t.ok(streams.some((s) => s.codec_name === 'aac'), 'AAC audio')

  // SIGKILL server2: within two discovery cycles (plus one probe timeout) only server1 is listed
  stack.procs.server2.signal('SIGKILL')
  const killedAt = Date.now()
  await waitFor('server2 to leave /ingests', async () => { const live = await livePackagers(stack); return live.length === 1 && live[0] === one }, { timeoutMs: 2 * cycleMs + 800 + 2000, intervalMs: 50 })
  t.pass(`server2 left /ingests ${Date.now() - killedAt} ms after SIGKILL`)

  await stack.procs.server2.start()
  await waitFor('server2 to come back', async () => (await livePackagers(stack)).length === 2, { timeoutMs: 15_000 })
  t.pass('server2 is listed again after restart')

  // a frozen packager answers nothing: it must be reported unhealthy, never healthy
  stack.procs.server1.signal('SIGSTOP')
  try {
    await waitFor('frozen server1 to be reported unhealthy', async () => {
      const entry = (await ingests(stack)).find((i) => i.signal === 'live01')
      return entry !== undefined && !entry.packagers.includes(one) && entry.packagers.includes(two)
    }, { timeoutMs: 10_000, intervalMs: 100 })
    const detail = (await ingests(stack)).find((i) => i.signal === 'live01')?.details?.find((d) => d.url === one)
    t.equal(detail?.healthy, false, 'frozen server1 is unhealthy in the details')
    t.match(detail?.reason ?? '', /stale|timeout/, `with a reason (${detail?.reason ?? 'none'})`)
  } finally {
    stack.procs.server1.signal('SIGCONT')
  }
  await waitFor('server1 to recover after SIGCONT', async () => (await livePackagers(stack)).length === 2, { timeoutMs: 15_000 })
  t.pass('server1 is listed again after SIGCONT')
})
