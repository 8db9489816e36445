// When every copy of a segment dies with its encoder, players see a hole (EXT-X-GAP): hls.js jumps
// it and runs on with no buffer to spare, Shaka Player waits it out at the live edge. A looped
// input can still be read: the segments a dead run lost are in the past, and a one-off ffmpeg
// re-encodes them, unpaced, in a fraction of their duration, before the restarted run's first
// segment is due. The same epoch arithmetic gives them the same timestamps and picture as the lost
// ones. A live input cannot be read back: it keeps the hole.
import { mkdir, readFile, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import type { Segment } from '../hls/media-playlist.js'
import { runOnce } from '../process/spawn-child.js'
import type { Rendition } from '../streams/ladder.js'
import { PRIVATE_PLAYLIST, renditionDir } from './ffmpeg-args.js'
import { readPrivatePlaylist } from './public-playlist.js'

/** A dead run lost more than this many segments: no catch-up (the window would hold too little else). */
export const MAX_CATCH_UP_SEGMENTS = 3

/** The MSNs to re-encode: after the last one every rendition published, before the restart. */
export interface CatchUpPlan {
  readonly firstMsn: number
  readonly count: number
}

/** Pure: `lastPublished` is the newest MSN every rendition has published (undefined before any). */
export function planCatchUp (lastPublished: number | undefined, restartMsn: number): CatchUpPlan | undefined {
  if (lastPublished === undefined) return undefined
  const count = restartMsn - (lastPublished + 1)
  if (count < 1 || count > MAX_CATCH_UP_SEGMENTS) return undefined
  return { firstMsn: lastPublished + 1, count }
}

export interface CatchUpRun {
  readonly ffmpegPath: string
  readonly signalDir: string
  readonly ladder: readonly Rendition[]
  readonly segmentSeconds: number
  /** ffmpeg's arguments for the catch-up, writing into `dir`. */
  readonly argsFor: (dir: string) => string[]
  /** Past this, the restarted run is due anyway: the catch-up is killed and dropped. */
  readonly timeoutMs: number
}

/**
 * Runs the catch-up ffmpeg in a hidden folder beside the renditions, then moves each rendition's
 * segments into its folder. Returns the segments by rendition, or a reason when it fails (ffmpeg
 * failed or timed out, or a rendition lacks one of the planned MSNs).
 */
export async function runCatchUp (plan: CatchUpPlan, run: CatchUpRun): Promise<{ ok: true, segments: Map<string, Segment[]> } | { ok: false, reason: string }> {
  const dir = join(run.signalDir, `.catchup-${plan.firstMsn}`)
  await rm(dir, { recursive: true, force: true })
  try {
    for (const r of run.ladder) await mkdir(renditionDir(dir, run.ladder, r), { recursive: true })
    const result = await runOnce(run.ffmpegPath, run.argsFor(dir), run.timeoutMs)
    if (result.timedOut) return { ok: false, reason: `ffmpeg took longer than ${run.timeoutMs} ms` }
    if (result.code !== 0) return { ok: false, reason: `ffmpeg exited ${String(result.code)}: ${result.stderr.trim().split('\n').at(-1) ?? ''}` }
    const found = new Map<string, Segment[]>()
    for (const r of run.ladder) {
      const from = renditionDir(dir, run.ladder, r)
      const read = readPrivatePlaylist(await readFile(join(from, PRIVATE_PLAYLIST), 'utf8'), run.segmentSeconds)
      if (!read.ok) return { ok: false, reason: `${r.name}: ${read.reason}` }
      const wanted = read.playlist.segments.filter((s) => s.msn >= plan.firstMsn && s.msn < plan.firstMsn + plan.count)
      if (wanted.length !== plan.count) return { ok: false, reason: `${r.name}: ${wanted.length} of ${plan.count} segments written` }
      found.set(r.name, wanted)
    }
    // only once every rendition has all of them: a half caught-up ladder would not line up
    for (const r of run.ladder) {
      for (const s of found.get(r.name) ?? []) await rename(join(renditionDir(dir, run.ladder, r), s.uri), join(renditionDir(run.signalDir, run.ladder, r), s.uri))
    }
    return { ok: true, segments: found }
  } finally {
    await rm(dir, { recursive: true, force: true })
  }
}
