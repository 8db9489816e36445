import t from 'tap'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { HlsBrowserPlayer, PLAYER_KINDS, type PlayerReport } from '../chaos/hls-player.js'
import { startLocalStack, type LocalStack } from '../support/local-stack.js'
import { PlaylistWatcher } from '../support/playlist-watcher.js'
import { parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import { lastMsn } from '../../internal/hls/media-playlist.js'
import { waitFor } from '../support/wait-for.js'

// one stack, one browser, two faults in a row: more than tap's default per-file limit
t.setTimeout(300_000)

const TD_MS = 2000
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/** Newest MSN a packager lists for live01 (first rendition), or undefined when it does not answer. */
async function packagerNewest (stack: LocalStack, name: 'server1' | 'server2', rendition: string): Promise<number | undefined> {
  try {
    const res = await fetch(`${stack.url(name)}/live01/${rendition}/playlist.m3u8`, { signal: AbortSignal.timeout(1000) })
    if (res.status !== 200) return undefined
    const parsed = parseMediaPlaylist(await res.text())
    return parsed.ok ? lastMsn(parsed.playlist) : undefined
  } catch { return undefined }
}

/** Newest MSN the origin lists, or undefined. */
async function originNewest (stack: LocalStack, rendition: string): Promise<number | undefined> {
  const res = await fetch(`${stack.url('origin')}/live01/${rendition}/playlist.m3u8`, { signal: AbortSignal.timeout(5000) })
  const parsed = parseMediaPlaylist(await res.text())
  return parsed.ok ? lastMsn(parsed.playlist) : undefined
}

const stallsBetween = (p: PlayerReport, from: number, to: number): Array<{ at: number, ms: number }> => p.stalls.filter((s) => s.at >= from && s.at < to)

t.test('every packager frozen at once, then the one encoder restarted: the output goes on at once, with no gap and no discontinuity', async (t) => {
  // the default profile: one worker, both packagers serve its folder
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin'] })
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  await waitFor('the origin to serve live01', async () => (await fetch(entry)).status === 200, { timeoutMs: 60_000 })
  const master = await (await fetch(entry)).text()
  const rendition = master.split('\n').find((l) => l.endsWith('.m3u8'))?.split('/')[0] ?? ''
  // hls.js, Shaka Player and video.js (VHS): sites use all three, and they forgive different things
  const players = PLAYER_KINDS.map((kind) => new HlsBrowserPlayer(entry, { kind }))
  t.teardown(async () => { for (const player of players) await player.close() })
  for (const player of players) await player.start()
  for (const player of players) await player.waitUntilPlaying(60_000)
  const watcher = new PlaylistWatcher(entry, { pollMs: 250, maxDurationMs: 120_000 })
  await watcher.start()
  await sleep(4000)

  // 1. every packager frozen for 5 s: past 2 target durations, so both are judged down on any machine.
  // The freeze starts as the output lists a new segment, so the players ride out 5 s with nothing new
  // whatever the phase: begun up to a target duration after the last one, it became a 7.3 s wait
  // on a loaded machine, and Shaka Player (7.8 s of buffer) stalled once in three runs.
  const listed = await originNewest(stack, rendition) ?? -1
  const before = await waitFor('the output to list a new segment', async () => {
    const newest = await originNewest(stack, rendition) ?? -1
    return newest > listed ? newest : undefined
  }, { timeoutMs: 10_000, intervalMs: 50 })
  const frozenAt = Date.now()
  stack.procs.server1.signal('SIGSTOP')
  stack.procs.server2.signal('SIGSTOP')
  await sleep(5000)
  stack.procs.server1.signal('SIGCONT')
  stack.procs.server2.signal('SIGCONT')
  // "back" = the first moment a packager answers with a segment the output does not have yet
  const backAt = await waitFor('a packager back with a new segment', async () => {
    const newest = Math.max(await packagerNewest(stack, 'server1', rendition) ?? -1, await packagerNewest(stack, 'server2', rendition) ?? -1)
    return newest > before ? Date.now() : undefined
  }, { timeoutMs: 20_000, intervalMs: 50 })
  const newAt = await waitFor('a new segment at the origin', async () => (await originNewest(stack, rendition) ?? -1) > before ? Date.now() : undefined, { timeoutMs: 20_000, intervalMs: 50 })
  t.ok(newAt - backAt <= 1.5 * TD_MS, `the output took a new segment ${newAt - backAt} ms after the first packager was back (at most 1.5 target durations; with a recovery hold it is 6 s or more)`)
  await sleep(6000)
  const restartAt = Date.now()

  // 2. the one encoder's ffmpeg SIGKILLed: the worker restarts it on the next boundary, and a
  // catch-up run re-encodes the segments the dead run lost before the restarted run's first is due
  // (worker-epoch-lock.test.ts: without it, WORKER_CATCH_UP=false, they stay missing)
  const ffmpegPid = Number((await readFile(join(stack.outputPath, 'live01', '.ffmpeg.pid'), 'utf8')).trim())
  t.ok(ffmpegPid > 1, `ffmpeg pid ${ffmpegPid}`)
  const killedMsn = Math.floor(Date.now() / TD_MS)
  process.kill(ffmpegPid, 'SIGKILL')
  await waitFor('the output to list two segments of the restarted run', async () => (await originNewest(stack, rendition) ?? -1) >= killedMsn + 2 || undefined, { timeoutMs: 30_000, intervalMs: 250 })
  await sleep(6000)

  const w = await watcher.stop()
  t.comment(JSON.stringify({ gaps: w.gapSegments, maxGapMs: w.maxGapMs, discontinuities: [...w.discontinuities] }))
  t.same(w.violations, [], '0 playlist rule violations')
  t.same(w.httpErrors, [], '0 HTTP errors seen by the watcher')
  t.same([...w.discontinuities], [], 'no discontinuity: both faults kept the epoch-locked timeline')
  t.equal(w.gapSegments, 0, 'no EXT-X-GAP: the segments the dead run lost were caught up')
  const end = Date.now()
  for (const player of players) {
    const p = await player.close()
    const around = (at: number): string => p.samples.filter((x) => x.at >= at - 8000 && x.at <= at + 1000).filter((_, i) => i % 4 === 0).map((x) => `${((x.at - at) / 1000).toFixed(1)}:${x.bufferAhead.toFixed(1)}/${x.latency.toFixed(1)}`).join(' ')
    for (const stall of p.stalls) t.comment(`${player.kind} stall ${stall.ms} ms; t:bufferAhead/latency before it: ${around(stall.at)}`)
    t.comment(`${player.kind}: ${JSON.stringify({ stalls: p.stalls, errors: p.errors.map((e) => `${e.details}${e.fatal ? ' (fatal)' : ''}`).slice(0, 8), httpErrors: p.httpErrors.slice(0, 4) })}`)
    t.ok(p.began, `${player.kind}: played`)
    t.same(p.errors.filter((e) => e.fatal), [], `${player.kind}: 0 fatal player errors`)
    t.same(stallsBetween(p, frozenAt, restartAt), [], `${player.kind}: no stall while every packager froze for 5 s`)
    t.same(stallsBetween(p, restartAt, end), [], `${player.kind}: no stall at the encoder restart`)
  }
})
