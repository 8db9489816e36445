/** What the packager needs to know about a playlist to answer blocking reloads. */
export interface PlaylistInfo {
  readonly isMaster: boolean
  readonly mediaSequence: number
  readonly segmentCount: number
  /** Media sequence number of the last listed segment; mediaSequence - 1 when none is listed. */
  readonly lastMsn: number
  readonly targetDurationS: number | undefined
  readonly endList: boolean
}

const MEDIA_SEQUENCE = '#EXT-X-MEDIA-SEQUENCE:'
const TARGET_DURATION = '#EXT-X-TARGETDURATION:'

/**
 * A line scanner rather than a full parser: it only counts segment URIs and reads three tags,
 * so it runs on every playlist change without cost, and never throws on junk.
 */
export function parsePlaylistInfo (text: string): PlaylistInfo {
  let isMaster = false
  let mediaSequence = 0
  let segmentCount = 0
  let targetDurationS: number | undefined
  let endList = false
  for (const rawLine of text.split('\n')) {
    const line = rawLine.trim()
    if (line === '') continue
    if (line.charCodeAt(0) !== 35 /* # */) {
      segmentCount++
      continue
    }
    if (line.startsWith(MEDIA_SEQUENCE)) {
      const n = Number(line.slice(MEDIA_SEQUENCE.length))
      if (Number.isSafeInteger(n) && n >= 0) mediaSequence = n
    } else if (line.startsWith(TARGET_DURATION)) {
      const n = Number(line.slice(TARGET_DURATION.length))
      if (Number.isFinite(n) && n > 0) targetDurationS = n
    } else if (line.startsWith('#EXT-X-STREAM-INF:')) {
      isMaster = true
    } else if (line === '#EXT-X-ENDLIST') {
      endList = true
    }
  }
  // a master playlist's URIs are variant streams, not segments
  if (isMaster) segmentCount = 0
  return { isMaster, mediaSequence, segmentCount, lastMsn: mediaSequence + segmentCount - 1, targetDurationS, endList }
}
