import t from 'tap'
import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { pino } from 'pino'
import { DEFAULT_PARSE_LIMITS, parseMediaPlaylist } from '../../internal/hls/playlist-parser.js'
import type { MediaPlaylist } from '../../internal/hls/media-playlist.js'
import { loadWorkerConfig } from '../../internal/worker/worker-config.js'
import { WorkerService } from '../../internal/worker/worker-service.js'
import { makeSampleInput } from '../support/sample-input.js'
import { waitFor } from '../support/wait-for.js'

const run = promisify(execFile)
const SEG = 2
const RUNGS = ['360p', '240p']
const log = pino({ level: 'silent' })

async function playlistOf (dir: string, rung: string): Promise<MediaPlaylist | undefined> {
  const text = await readFile(join(dir, 'live01', rung, 'playlist.m3u8'), 'utf8').catch(() => undefined)
  if (text === undefined) return undefined
  const r = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, cmaf: true })
  if (!r.ok) throw new Error(`${dir} ${rung}: ${r.reason}`)
  return r.playlist
}

async function firstPts (file: string, stream: 'v' | 'a'): Promise<number> {
  const { stdout } = await run('ffprobe', ['-v', 'error', '-select_streams', `${stream}:0`, '-show_entries', 'packet=pts_time', '-read_intervals', '%+#1', '-of', 'csv=p=0', file])
  return Number(stdout.trim().split('\n')[0])
}

t.test('CMAF workers started apart write byte-identical init segments, parts and segments for the same MSN', { timeout: 180_000 }, async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'worker-cmaf-'))
  t.teardown(async () => { if (process.env.KEEP === undefined) await rm(dir, { recursive: true, force: true }) })
  // the sample: sound without digital silence. The native AAC encoder carries state through silence
  // (a beep after 7 s of it was coded differently by a run that had heard the beep before), so a
  // counter input with one beep per loop would not be byte-identical
  const input = join(dir, 'in.mp4')
  await makeSampleInput(input, 8)
  const workers: Array<{ name: string, out: string }> = []
  // four workers 1.4 s apart: each starts 0 or 1 MSNs after the one before, and 4.2 s span at
  // least two boundaries, so some pair starts 1 MSN apart and some 2: both parities of x264's
  // idr_pic_id in the pre-roll are compared
  for (const name of ['a', 'b', 'c', 'd']) {
    const out = join(dir, name)
    const w = new WorkerService(loadWorkerConfig({
      INPUT_STREAM_PATH: input, OUTPUT_STREAM_PATH: out, LIVE_SIGNAL_NAME: 'live01', VIDEO_PRESET: 'ultrafast', SEGMENT_DURATION: String(SEG),
      LADDER: '360p:640x360:600,240p:426x240:300', HLS_LIST_SIZE: '10', WORKER_METRICS_PORT: '0', SEGMENT_FORMAT: 'fmp4', PART_DURATION: '0.5'
    }), log)
    t.teardown(async () => { await w.close() })
    // an earlier MPEG-TS run's playlist in the same folder: gone before this run serves anything
    const stale = join(out, 'live01', '240p', 'playlist.m3u8')
    if (name === 'a') await mkdir(join(out, 'live01', '240p'), { recursive: true }).then(async () => { await writeFile(stale, '#EXTM3U\n#EXT-X-TARGETDURATION:2\n#EXTINF:2,\n1.ts\n') })
    await w.start()
    if (name === 'a') t.notMatch(await readFile(stale, 'utf8').catch(() => ''), /1\.ts/, 'the other format\'s playlist was removed at start')
    workers.push({ name, out })
    await new Promise((resolve) => setTimeout(resolve, 1400))
  }

  // until the last worker has listed three segments: its first one is in everyone's window
  const lists = await waitFor('three segments from the last worker', async () => {
    const all = await Promise.all(workers.map(async (w) => await playlistOf(w.out, '240p')))
    return all.every((p) => p !== undefined) && (all[3]?.segments.length ?? 0) >= 3 ? all as MediaPlaylist[] : undefined
  }, { timeoutMs: 60_000 })
  const firsts = lists.map((p) => p.mediaSequence)
  t.comment(`first listed MSNs: ${firsts.join(', ')}`)

  let compared = 0
  let firstOfRunCompared = 0
  const parities = new Set<number>()
  for (let i = 0; i < workers.length; i++) {
    for (let j = i + 1; j < workers.length; j++) {
      const wa = workers[i]!
      const wb = workers[j]!
      for (const rung of RUNGS) {
        const initA = await readFile(join(wa.out, 'live01', rung, 'init.mp4'))
        t.ok(initA.equals(await readFile(join(wb.out, 'live01', rung, 'init.mp4'))), `${rung} init.mp4: ${wa.name} = ${wb.name}`)
        const pa = (await playlistOf(wa.out, rung))!
        const pb = (await playlistOf(wb.out, rung))!
        const shared = pa.segments.filter((s) => pb.segments.some((o) => o.msn === s.msn))
        t.ok(shared.length >= 2, `${rung}: ${wa.name} and ${wb.name} share ${shared.length} segments`)
        for (const s of shared) {
          const names = [s.uri, ...Array.from({ length: 4 }, (_, k) => `${s.msn}.${k}.m4s`)]
          for (const name of names) {
            const x = await readFile(join(wa.out, 'live01', rung, name))
            const y = await readFile(join(wb.out, 'live01', rung, name))
            if (!x.equals(y)) t.fail(`${rung}/${name} differs between ${wa.name} and ${wb.name}`)
            compared++
          }
          if (s.msn === pb.mediaSequence) firstOfRunCompared++
        }
        if (pb.mediaSequence !== pa.mediaSequence) parities.add((pb.mediaSequence - pa.mediaSequence) % 2)
      }
    }
  }
  t.ok(compared >= 40, `${compared} files compared`)
  t.ok(firstOfRunCompared > 0, 'a later worker\'s first segment is among them')
  t.same([...parities].sort(), [0, 1], 'runs an even and an odd number of MSNs apart (not 0) were compared')

  // the files are what the playlist says: a segment is its parts in order, on the epoch grid
  const a = workers[0]!.out
  const p = lists[0]!
  const seg = p.segments[p.segments.length - 1]!
  const rungDir = join(a, 'live01', '240p')
  const parts = await Promise.all([0, 1, 2, 3].map(async (k) => await readFile(join(rungDir, `${seg.msn}.${k}.m4s`))))
  t.ok(Buffer.concat(parts).equals(await readFile(join(rungDir, seg.uri))), 'the segment is the concatenation of its parts')
  t.same(seg.parts?.map((x) => x.independent), [true, false, false, false], 'only part 0 starts with a keyframe')
  t.equal(seg.programDateTimeMs, seg.msn * SEG * 1000)
  const joined = join(dir, 'joined.mp4')
  await writeFile(joined, Buffer.concat([await readFile(join(rungDir, 'init.mp4')), await readFile(join(rungDir, seg.uri))]))
  t.equal(await firstPts(joined, 'v'), seg.msn * SEG, 'the first frame is at the MSN\'s epoch time')
  const audio = await firstPts(joined, 'a')
  t.ok(audio >= seg.msn * SEG && audio < seg.msn * SEG + 1024 / 48_000, `the first audio frame starts within one AAC frame of it (${audio})`)
  const { stderr } = await run('ffmpeg', ['-v', 'error', '-i', joined, '-f', 'null', '-'])
  t.equal(stderr.trim(), '', 'the segment decodes without an error')

  // control: the comparison can tell two parts apart
  const other = await readFile(join(rungDir, `${seg.msn - 1}.1.m4s`))
  t.notOk(other.equals(parts[1]!), 'part 1 of two MSNs differ')
  t.ok((await readdir(rungDir)).every((n) => !n.endsWith('.tmp')), 'no temporary file left behind')
})
