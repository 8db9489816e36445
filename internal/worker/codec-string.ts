import type { Rendition } from '../streams/ladder.js'

// H.264 levels by max macroblocks per second and per frame (ITU-T H.264 table A-1)
const LEVELS: ReadonlyArray<{ idc: number, mbPerSecond: number, mbPerFrame: number }> = [
  { idc: 30, mbPerSecond: 40_500, mbPerFrame: 1_620 },
  { idc: 31, mbPerSecond: 108_000, mbPerFrame: 3_600 },
  { idc: 32, mbPerSecond: 216_000, mbPerFrame: 5_120 },
  { idc: 40, mbPerSecond: 245_760, mbPerFrame: 8_192 },
  { idc: 42, mbPerSecond: 522_240, mbPerFrame: 8_704 },
  { idc: 50, mbPerSecond: 589_824, mbPerFrame: 22_080 },
  { idc: 51, mbPerSecond: 983_040, mbPerFrame: 36_864 },
  { idc: 52, mbPerSecond: 2_073_600, mbPerFrame: 36_864 }
]

/** The H.264 level (as level_idc, e.g. 31 for 3.1) a rendition needs; never below 3.1, as players expect. */
export function h264LevelIdc (rendition: Pick<Rendition, 'width' | 'height'>, frameRate: number): number {
  const mbPerFrame = Math.ceil(rendition.width / 16) * Math.ceil(rendition.height / 16)
  const mbPerSecond = mbPerFrame * frameRate
  const level = LEVELS.find((l) => l.idc >= 31 && mbPerFrame <= l.mbPerFrame && mbPerSecond <= l.mbPerSecond)
  return (level ?? LEVELS[LEVELS.length - 1]!).idc
}

/** `-level` value for ffmpeg: 31 -> "3.1". */
export function levelArg (idc: number): string {
  return `${Math.floor(idc / 10)}.${idc % 10}`
}

/**
 * RFC 6381 CODECS for a rendition. x264's ultrafast uses no CABAC, no B-frames and no 8x8
 * transform, so it signals Constrained Baseline (42c0) whatever -profile says; others signal Main (4d40).
 */
export function codecsFor (rendition: Pick<Rendition, 'width' | 'height'>, frameRate: number, preset: string): string {
  const profile = preset === 'ultrafast' ? '42c0' : '4d40'
  const level = h264LevelIdc(rendition, frameRate).toString(16).padStart(2, '0')
  return `avc1.${profile}${level},mp4a.40.2`
}
