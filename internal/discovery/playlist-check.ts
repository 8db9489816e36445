import { createRequire } from 'node:module'

/** What a probe needs from a playlist; anything else about it is the origin's business. */
export type PlaylistCheck =
  | { readonly kind: 'master', readonly firstVariantUri: string }
  | {
    readonly kind: 'media'
    readonly mediaSequence: number
    /** Media sequence number of the last segment. */
    readonly lastSequence: number
    readonly lastSegmentUri: string
    readonly targetDurationMs: number
  }
  | { readonly kind: 'malformed' | 'empty', readonly detail: string }

interface ParsedManifest {
  targetDuration?: unknown
  mediaSequence?: unknown
  segments?: Array<{ uri?: unknown }>
  playlists?: Array<{ uri?: unknown }>
}
interface ParserModule { Parser: new () => { push: (text: string) => void, end: () => void, manifest: ParsedManifest } }

// m3u8-parser ships no type declarations; load it through require and give it the small shape used here
const { Parser } = createRequire(import.meta.url)('m3u8-parser') as ParserModule

/** Classifies a playlist body. m3u8-parser accepts nearly anything, so the checks that matter are ours. */
export function checkPlaylist (text: string): PlaylistCheck {
  if (!/^(?:\uFEFF)?#EXTM3U[ \t]*\r?\n/.test(text)) return { kind: 'malformed', detail: 'does not start with #EXTM3U' }
  let manifest: ParsedManifest
  try {
    const parser = new Parser()
    parser.push(text)
    parser.end()
    manifest = parser.manifest
  } catch (err) {
    return { kind: 'malformed', detail: err instanceof Error ? err.message : 'parser failed' }
  }
  const variants = manifest.playlists ?? []
  if (variants.length > 0) {
    const uri = variants[0]?.uri
    if (typeof uri !== 'string' || uri === '') return { kind: 'malformed', detail: 'first variant has no URI' }
    return { kind: 'master', firstVariantUri: uri }
  }
  const target = manifest.targetDuration
  if (typeof target !== 'number' || !Number.isFinite(target) || target <= 0) {
    return { kind: 'malformed', detail: 'media playlist without a valid EXT-X-TARGETDURATION' }
  }
  const sequence = manifest.mediaSequence ?? 0
  if (typeof sequence !== 'number' || !Number.isSafeInteger(sequence) || sequence < 0) {
    return { kind: 'malformed', detail: 'invalid EXT-X-MEDIA-SEQUENCE' }
  }
  const segments = manifest.segments ?? []
  const last = segments[segments.length - 1]
  if (last === undefined) return { kind: 'empty', detail: 'media playlist lists no segments' }
  if (typeof last.uri !== 'string' || last.uri === '') return { kind: 'malformed', detail: 'last segment has no URI' }
  return {
    kind: 'media',
    mediaSequence: sequence,
    lastSequence: sequence + segments.length - 1,
    lastSegmentUri: last.uri,
    targetDurationMs: target * 1000
  }
}
