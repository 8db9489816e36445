import { runOnce } from '../process/spawn-child.js'
import type { PublishAnchor } from '../streams/publish-record.js'

export interface ProbedPublish {
  readonly anchor: PublishAnchor
  readonly hasAudio: boolean
}

interface ProbeJson {
  readonly streams?: ReadonlyArray<{ readonly index?: number, readonly codec_type?: string }>
  readonly packets?: ReadonlyArray<{ readonly stream_index?: number, readonly pts_time?: string }>
}

/**
 * Pure: the live epoch lock's anchor from ffprobe's answer. The first picture's timestamp is the
 * source time; the moment the answer came is its epoch time (a little after the picture arrived, so
 * pictures reach the workers slightly before their place on the grid, never after).
 */
export function anchorFromProbe (json: string, answeredAtMs: number): ProbedPublish | string {
  let parsed: ProbeJson
  try {
    parsed = JSON.parse(json) as ProbeJson
  } catch {
    return 'ffprobe answered something that is not JSON'
  }
  const video = parsed.streams?.find((s) => s.codec_type === 'video')
  if (video === undefined) return 'the publish has no video stream'
  const packet = parsed.packets?.find((p) => p.stream_index === video.index && p.pts_time !== undefined && Number.isFinite(Number(p.pts_time)))
  if (packet === undefined) return 'no video packet with a timestamp in the first packets'
  return {
    anchor: { source_ms: Math.round(Number(packet.pts_time) * 1000), epoch_ms: answeredAtMs, probe_ms: 0 },
    hasAudio: parsed.streams?.some((s) => s.codec_type === 'audio') === true
  }
}

/**
 * Reads the publish from the local nginx and makes its anchor: the first video packet (asked for
 * alone: a new puller gets sound at once but pictures only from the next keyframe), then which
 * streams there are.
 */
export async function probeAnchor (ffprobePath: string, url: string, timeoutMs: number, now: () => number = Date.now): Promise<ProbedPublish> {
  const probe = ['-v', 'error', '-analyzeduration', '1000000', '-probesize', '1000000', '-of', 'json']
  const startedAt = now()
  const first = await runOnce(ffprobePath, [...probe, '-select_streams', 'v:0', '-show_entries', 'stream=index,codec_type:packet=stream_index,pts_time', '-read_intervals', '%+#1', url], timeoutMs)
  const answeredAt = now()
  if (first.code !== 0) throw new Error(`ffprobe of the publish failed: ${first.stderr.trim().split('\n')[0] ?? `exit ${String(first.code)}`}`)
  const streams = await runOnce(ffprobePath, [...probe, '-show_entries', 'stream=index,codec_type', url], timeoutMs)
  const anchored = anchorFromProbe(first.stdout, answeredAt)
  if (typeof anchored === 'string') throw new Error(anchored)
  // the picture came somewhere inside the probe: workers count its length into their warm-up
  return { anchor: { ...anchored.anchor, probe_ms: answeredAt - startedAt }, hasAudio: streams.code === 0 && /"codec_type": "audio"/.test(streams.stdout) }
}
