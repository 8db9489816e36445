import type { PlaylistScan } from '../hls/playlist-scanner.js'
import { FALLBACK_TARGET_DURATION_S } from '../hls/target-duration.js'

/** A blocking playlist reload request (RFC 8216bis 6.2.5.2). */
export interface BlockingRequest {
  readonly msn: number
  readonly part: number | undefined
}

export type BlockingParams = { readonly ok: true, readonly request: BlockingRequest | undefined } | { readonly ok: false, readonly reason: string }

const UINT = /^\d{1,15}$/

/** Reads _HLS_msn / _HLS_part from a query; absent means a plain request. */
export function parseBlockingParams (query: Readonly<Record<string, unknown>>): BlockingParams {
  const msn = query._HLS_msn
  const part = query._HLS_part
  if (msn === undefined) {
    if (part !== undefined) return { ok: false, reason: '_HLS_part requires _HLS_msn' }
    return { ok: true, request: undefined }
  }
  if (typeof msn !== 'string' || !UINT.test(msn)) return { ok: false, reason: '_HLS_msn must be a non-negative integer' }
  if (part !== undefined && (typeof part !== 'string' || !UINT.test(part))) return { ok: false, reason: '_HLS_part must be a non-negative integer' }
  return { ok: true, request: { msn: Number(msn), part: part === undefined ? undefined : Number(part) } }
}

export type BlockingDecision = 'ready' | 'wait' | 'too-far'

/**
 * Whether the playlist satisfies the request now (RFC 8216bis 6.2.5.2): it lists segment N or a
 * later one, or, with `_HLS_part=P`, part P of segment N (the segment after the last listed).
 */
export function decideBlockingReload (info: PlaylistScan, request: BlockingRequest): BlockingDecision {
  if (info.isMaster || info.endList) return 'ready'
  if (info.lastMsn >= request.msn) return 'ready'
  if (request.part !== undefined && request.msn === info.lastMsn + 1 && info.partCount > request.part) return 'ready'
  if (request.msn > info.lastMsn + 2) return 'too-far'
  return 'wait'
}

/** How long a blocked request may wait: three target durations (RFC 8216bis 6.2.5.2). */
export function blockingTimeoutMs (info: PlaylistScan, fallbackTargetDurationS = FALLBACK_TARGET_DURATION_S): number {
  return 3 * (info.targetDurationS ?? fallbackTargetDurationS) * 1000
}
