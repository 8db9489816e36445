import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { HlsBrowserPlayer } from '../chaos/hls-player.js'
import { startFleetStack, type FleetStack } from '../support/fleet-stack.js'
import { listedSegments, startPublisher, type ListedSegment, type Publisher } from '../support/live-publisher.js'
import { waitFor } from '../support/wait-for.js'
import { firstFramePsnr, makeCounterInput } from '../support/worker-test-helpers.js'

// A live push through the faults of an event, with hls.js watching through the origin: a worker of
// the stream SIGKILLed (the spare takes its place, the other copy carries the viewer: no
// discontinuity at all), the main publisher killed while a backup publish runs on a second ingest
// (both workers switch to the backup at the same MSN, never to the slate), the main back (both
// switch back together), then the main ingest's nginx SIGKILLed (the same, and back).
t.setTimeout(300_000)

const STREAM = 'live01'
const SEG = 2

async function workerList (stack: FleetStack, worker: string): Promise<ListedSegment[]> {
  return listedSegments(await readFile(join(stack.dir, worker, STREAM, 'playlist.m3u8'), 'utf8').catch(() => ''))
}

t.test('a worker, the main publisher and the main ingest fail while hls.js watches', async (t) => {
  const stack = await startFleetStack({ streams: [STREAM], workers: 3, capacity: 1, ladder: '180p:320x180:200', push: { keyPrefix: 'key-of', ingests: 2 } })
  t.teardown(stack.stop)
  t.teardown(() => {
    if (t.passing()) return
    for (const [name, p] of [...stack.workers, ...stack.ingests.map((i, n) => [`ingest${n + 1}`, i.process] as const)]) {
      t.comment(`${name}: ${p.recentOutput().split('\n').filter((l) => /publish|pull|slate|live from|ffmpeg (died|started)|nginx/.test(l)).slice(-12).join('\n')}`)
    }
  })
  const input = join(stack.dir, 'counter.mp4')
  await makeCounterInput(input, 8)
  const [main, backup] = stack.ingests
  if (main === undefined || backup === undefined) throw new Error('two ingests expected')
  const key = `key-of-${STREAM}`
  const publishers: Publisher[] = []
  t.teardown(() => { for (const p of publishers) p.stop() })
  const push = (url: string): Publisher => { const p = startPublisher(input, url); publishers.push(p); return p }
  let mainPublisher = push(`rtmp://127.0.0.1:${main.rtmpPort}/live/${key}`)
  push(`rtmp://127.0.0.1:${backup.rtmpPort}/backup/${key}`)

  const placed = await waitFor('live01 on two workers', async () => {
    const workers = (await stack.placement())[STREAM]
    return workers?.length === 2 ? workers : undefined
  }, { timeoutMs: 30_000 })
  const slateOf = (w: string): string => join(stack.dir, w, STREAM, '.slate', '.source', `slate-${SEG}s-30fps.mp4`)
  const liveAt = async (w: string, msn: number): Promise<boolean> => await firstFramePsnr(join(stack.dir, w, STREAM, `${msn}.ts`), slateOf(w)) < 25
  const bothLive = async (workers: readonly string[]): Promise<number | undefined> => {
    const lists = await Promise.all(workers.map(async (w) => await workerList(stack, w)))
    const last = lists[0]?.[lists[0].length - 1]
    if (last === undefined || !lists.every((l) => l.some((s) => s.msn === last.msn))) return undefined
    for (const w of workers) if (!(await liveAt(w, last.msn))) return undefined
    return last.msn
  }
  await waitFor('both workers live', async () => await bothLive(placed), { timeoutMs: 60_000, intervalMs: 500 })

  const origin = `http://127.0.0.1:${stack.ports.origin}/${STREAM}/playlist.m3u8`
  const originBreaks = new Map<number, boolean>()
  const sequences: number[] = []
  const watch = setInterval(() => {
    void fetch(origin).then(async (r) => await r.text()).then((text) => {
      for (const s of listedSegments(text)) originBreaks.set(s.msn, s.discontinuity)
      const dseq = /#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(text)
      if (dseq !== null) sequences.push(Number(dseq[1]))
    }).catch(() => {})
  }, 500)
  t.teardown(() => { clearInterval(watch) })
  const player = new HlsBrowserPlayer(origin)
  t.teardown(async () => { await player.close() })
  await player.start()
  await player.waitUntilPlaying(40_000)
  const steady = Date.now() + 4000
  await waitFor('steady playback', () => Date.now() > steady, { timeoutMs: 10_000 })

  // 1. a worker of the stream dies with its ffmpeg: the spare takes its place, the other copy carries on
  const victim = placed[0] ?? 'w1'
  const killedAt = Date.now()
  await stack.workers.get(victim)?.kill()
  const now = await waitFor('the spare to take the stream', async () => {
    const workers = (await stack.placement())[STREAM]
    return workers?.length === 2 && !workers.includes(victim) ? workers : undefined
  }, { timeoutMs: 30_000 })
  await waitFor('the spare live beside the survivor', async () => await bothLive(now), { timeoutMs: 60_000, intervalMs: 500 })
  const killMsn = Math.floor(killedAt / (SEG * 1000))
  const breaksAfterKill = [...originBreaks].filter(([msn, d]) => d && msn >= killMsn - 2).map(([msn]) => msn)
  t.same(breaksAfterKill, [], `${victim} SIGKILLed: no discontinuity on the origin while the spare (${now.join(', ')}) took over`)

  // 2. the main publisher dies; a backup publish runs: both workers go to the backup together, never to the slate
  const switches = async (from: number): Promise<Map<string, number[]>> => new Map(await Promise.all(now.map(async (w) =>
    [w, (await workerList(stack, w)).filter((s) => s.discontinuity && s.msn >= from).map((s) => s.msn)] as [string, number[]])))
  // the MSN every worker switched on first since `from`; until they agree, the error says where each one is
  const sameSwitch = async (from: number): Promise<number> => {
    const seen = await switches(from)
    const first = [...seen.values()].map((l) => l[0])
    if (first.every((m) => m !== undefined) && new Set(first).size === 1) return first[0] as number
    throw new Error(`switches since msn ${from}: ${[...seen].map(([w, l]) => `${w} [${l.join(', ')}]`).join(', ')}`)
  }
  let since = Math.floor(Date.now() / (SEG * 1000))
  mainPublisher.stop()
  const toBackup = await waitFor('both workers on the backup', async () => await sameSwitch(since), { timeoutMs: 30_000, intervalMs: 500 })
  for (const w of now) t.ok(await liveAt(w, toBackup ?? 0), `${w}: the backup's picture at msn ${toBackup}, not the slate`)
  t.notMatch(now.map((w) => stack.workers.get(w)?.recentOutput() ?? '').join(''), /publisher away/, 'no worker showed the slate')

  // 3. the main comes back: both go back to it at the same MSN
  since = toBackup + 1
  mainPublisher = push(`rtmp://127.0.0.1:${main.rtmpPort}/live/${key}`)
  const toMain = await waitFor('both workers back on the main', async () => await sameSwitch(since), { timeoutMs: 40_000, intervalMs: 500 })
  t.pass(`both workers on the backup from msn ${toBackup}, back on the main from msn ${toMain}`)

  // 4. the main ingest's nginx is SIGKILLed: the backup carries on, the ingest restarts its nginx
  const nginxPid = [...main.process.recentOutput().matchAll(/"pid":(\d+),"msg":"ingest nginx started"/g)].pop()?.[1]
  t.ok(nginxPid !== undefined, `the main ingest's nginx is pid ${nginxPid ?? '?'}`)
  since = toMain + 1
  process.kill(Number(nginxPid), 'SIGKILL')
  const afterNginx = await waitFor('both workers on the backup again', async () => await sameSwitch(since), { timeoutMs: 30_000, intervalMs: 500 })
  await waitFor('the ingest to restart its nginx', async () => [...main.process.recentOutput().matchAll(/"msg":"ingest nginx started"/g)].length >= 2, { timeoutMs: 20_000 })
  for (const w of now) t.ok(await liveAt(w, afterNginx), `${w}: the backup's picture at msn ${afterNginx} after the main ingest died`)
  const tail = Date.now() + 4000
  await waitFor('a few segments more', () => Date.now() > tail, { timeoutMs: 10_000 })
  clearInterval(watch)
  const report = await player.close()
  t.comment(JSON.stringify({ stalls: report.stalls, errors: report.errors.slice(0, 4), httpErrors: report.httpErrors.slice(0, 4), progress: report.progressRatio }))
  t.same(report.stalls, [], 'hls.js: 0 stalls through all four faults')
  t.same(report.errors.filter((e) => e.at >= killedAt), [], 'hls.js: 0 errors')
  t.same(report.httpErrors, [], 'hls.js: 0 HTTP errors')
  t.ok(sequences.length > 10 && sequences.every((v, i) => i === 0 || v >= (sequences[i - 1] ?? 0)), 'the origin\'s discontinuity sequence never decreased')
})
