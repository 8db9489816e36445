import { LRUCache } from 'lru-cache'
import { addQueryToPlaylistUris } from './signed-playlist.js'

interface Rendered { readonly base: Buffer, readonly bytes: Buffer }

/**
 * Signed renderings of the origin's playlists, one per playlist and distinct token: a player
 * reloading every second is answered from memory, and a playlist is re-rendered only when its
 * base text changed. Bounded, so a flood of distinct valid tokens costs memory only up to `max`.
 */
export class SignedPlaylistCache {
  private readonly cache: LRUCache<string, Rendered>
  /** How many times a playlist was rendered with a token (for tests and metrics). */
  renders = 0

  constructor (max = 4096) {
    this.cache = new LRUCache({ max })
  }

  /**
   * `playlistKey` names the playlist (e.g. `live01/720p`), `query` the token it is rendered with.
   * `base` is the origin's rendered playlist, a new Buffer per version: a hit is recognised by
   * identity, so a reload costs no decoding, comparing or encoding of the text.
   */
  get (playlistKey: string, base: Buffer, query: string): Buffer {
    const key = `${playlistKey}\u0000${query}`
    const hit = this.cache.get(key)
    if (hit !== undefined && hit.base === base) return hit.bytes
    const bytes = Buffer.from(addQueryToPlaylistUris(base.toString('utf8'), query))
    this.renders += 1
    this.cache.set(key, { base, bytes })
    return bytes
  }
}
