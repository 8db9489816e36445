import { createHash } from 'node:crypto'
import { LRUCache } from 'lru-cache'
import { canSkipUntilOf, skippableSegments } from '../hls/delta-update.js'
import { DEFAULT_PARSE_LIMITS, parseMediaPlaylist } from '../hls/playlist-parser.js'
import { serializeMediaPlaylist } from '../hls/playlist-serializer.js'
import type { CachedFile } from './file-store.js'

const SERVER_CONTROL = /^#EXT-X-SERVER-CONTROL:(.*)$/m
const REPORTS = /^#EXT-X-RENDITION-REPORT:.*$/gm

/**
 * Delta updates (_HLS_skip=YES) of the playlists the worker writes: made once per playlist
 * version (by ETag) and kept beside it. A playlist that offers no CAN-SKIP-UNTIL, that the
 * strict parser refuses, or that has nothing old enough to skip is answered whole, as the RFC
 * allows (6.2.5.1).
 */
export class DeltaPlaylists {
  readonly #cache = new LRUCache<string, CachedFile | 'whole'>({ max: 1024 })

  /** The delta of `file` (a playlist under `key`), or the file itself when it has none. */
  deltaOf (key: string, file: CachedFile): CachedFile {
    const id = `${key}\n${file.etag}`
    let delta = this.#cache.get(id)
    if (delta === undefined) {
      delta = makeDelta(file) ?? 'whole'
      this.#cache.set(id, delta)
    }
    return delta === 'whole' ? file : delta
  }
}

function makeDelta (file: CachedFile): CachedFile | undefined {
  const text = file.body.toString('utf8')
  const canSkipUntil = canSkipUntilOf(text)
  if (canSkipUntil === undefined) return undefined
  const parsed = parseMediaPlaylist(text, { ...DEFAULT_PARSE_LIMITS, cmaf: true })
  if (!parsed.ok) return undefined
  const skip = skippableSegments(parsed.playlist, canSkipUntil)
  if (skip === 0) return undefined
  const serverControl = SERVER_CONTROL.exec(text)?.[1]
  // the model keeps no reports read from text: they are carried over as written
  const reports = text.match(REPORTS) ?? []
  const body = Buffer.from(serializeMediaPlaylist(parsed.playlist, { skipSegments: skip, ...(serverControl === undefined ? {} : { serverControl }) }) +
    reports.map((r) => r + '\n').join(''))
  const etag = `"${createHash('sha1').update(body).digest('base64url')}"`
  const baseHeaders = { ...file.baseHeaders, etag }
  const headers = { ...baseHeaders, 'content-length': String(body.length) }
  return { ...file, body, etag, baseHeaders, headers, headerList: Object.entries(headers).flat() }
}
