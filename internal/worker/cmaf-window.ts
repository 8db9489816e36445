import type { MediaPlaylist, Part, RenditionReport, Segment } from '../hls/media-playlist.js'
import { boundaryMs } from './epoch-clock.js'
import { llServerControl } from '../hls/ll-server-control.js'

/** The names a CMAF rendition folder holds: one init segment, `<msn>.m4s` and `<msn>.<part>.m4s`. */
export const INIT_SEGMENT = 'init.mp4'
export const CMAF_FILE = /^(\d{1,15})(?:\.(\d{1,4}))?\.m4s$/

export function segmentName (msn: number): string { return `${msn}.m4s` }
export function partName (msn: number, index: number): string { return `${msn}.${index}.m4s` }

export interface CmafWindowOptions {
  readonly segmentSeconds: number
  readonly partSeconds: number
  readonly listSize: number
}

/** What one rendition has published in the current run. */
export interface CmafWindow {
  /** Complete segments, oldest first, at most listSize. */
  readonly segments: readonly Segment[]
  /** MSN of the segment being written, and its parts so far. */
  readonly currentMsn: number | undefined
  readonly currentParts: readonly Part[]
}

export const EMPTY_WINDOW: CmafWindow = { segments: [], currentMsn: undefined, currentParts: [] }

/** Parts are listed for segments this many target durations from the live edge (RFC 8216bis 4.4.4.9 says three). */
const PART_LISTING_TDS = 3

/**
 * The window after part `index` of segment `msn` was written. A part that does not follow the
 * previous one (a new run, or a part the cutter never gave) starts the segment afresh: a segment's
 * parts are always listed from part 0 without a hole. The last part closes the segment.
 */
export function addPart (window: CmafWindow, o: CmafWindowOptions, msn: number, index: number, independent: boolean): CmafWindow {
  const part: Part = { uri: partName(msn, index), duration: o.partSeconds, independent }
  const follows = window.currentMsn === msn && window.currentParts.length === index
  const parts = follows ? [...window.currentParts, part] : index === 0 ? [part] : []
  const partsPerSegment = Math.round(o.segmentSeconds / o.partSeconds)
  if (parts.length < partsPerSegment) return { ...window, currentMsn: parts.length === 0 ? undefined : msn, currentParts: parts }
  const previous = window.segments[window.segments.length - 1]
  // a segment that does not follow the last one belongs to a new run: the window starts again
  const kept = previous !== undefined && previous.msn === msn - 1 ? window.segments : []
  const segment: Segment = {
    msn,
    uri: segmentName(msn),
    duration: o.segmentSeconds,
    programDateTimeMs: boundaryMs(msn, o.segmentSeconds),
    discontinuity: false,
    map: INIT_SEGMENT,
    parts
  }
  return { segments: [...kept, segment].slice(-o.listSize), currentMsn: undefined, currentParts: [] }
}

/** The rendition's LL-HLS media playlist: parts near the live edge, the next part hinted. */
export function windowPlaylist (window: CmafWindow, o: CmafWindowOptions, reports: readonly RenditionReport[]): MediaPlaylist | undefined {
  const first = window.segments[0]
  if (first === undefined) return undefined
  const last = window.segments[window.segments.length - 1] as Segment
  // the target duration is the segment duration
  const partsFrom = last.msn - PART_LISTING_TDS + 1
  const segments = window.segments.map((s) => s.msn >= partsFrom ? s : { ...s, parts: undefined })
  const trailing = window.currentMsn === last.msn + 1 ? window.currentParts : []
  const partsPerSegment = Math.round(o.segmentSeconds / o.partSeconds)
  const hint = trailing.length < partsPerSegment ? partName(last.msn + 1, trailing.length) : partName(last.msn + 2, 0)
  return {
    kind: 'media',
    version: 9,
    targetDuration: o.segmentSeconds,
    mediaSequence: first.msn,
    discontinuitySequence: 0,
    segments,
    endList: false,
    independentSegments: true,
    partTargetDuration: o.partSeconds,
    trailingParts: trailing,
    preloadHint: hint,
    renditionReports: reports
  }
}

/** EXT-X-SERVER-CONTROL for a CMAF rendition: blocking reload, PART_HOLD_BACK_PARTS of hold-back, skips past 6 target durations. */
export function cmafServerControl (o: Pick<CmafWindowOptions, 'segmentSeconds' | 'partSeconds'>): string {
  return `CAN-BLOCK-RELOAD=YES,${llServerControl(o.segmentSeconds, o.partSeconds)}`
}

/** Where a rendition's playlist stands, for its siblings' EXT-X-RENDITION-REPORT. */
export function reportOf (window: CmafWindow, uri: string): RenditionReport | undefined {
  const last = window.segments[window.segments.length - 1]
  if (last === undefined) return undefined
  if (window.currentMsn === last.msn + 1 && window.currentParts.length > 0) {
    return { uri, lastMsn: last.msn + 1, lastPart: window.currentParts.length - 1 }
  }
  return { uri, lastMsn: last.msn, lastPart: (last.parts?.length ?? 1) - 1 }
}
