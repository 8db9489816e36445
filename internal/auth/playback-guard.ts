import { checkPlaybackToken, edgeSecret, tokenQuery, type PlaybackToken, type TokenCheck } from './playback-signature.js'
import { SignedPlaylistCache } from './signed-playlist-cache.js'

/** The origin's side of signed playback URLs: checks a request's token and signs the playlists it serves. */
export class PlaybackGuard {
  private readonly secret: string
  readonly playlists: SignedPlaylistCache

  constructor (private readonly key: string, private readonly now: () => number = Date.now, cacheEntries = 4096) {
    this.secret = edgeSecret(key)
    this.playlists = new SignedPlaylistCache(cacheEntries)
  }

  check (signal: string, query: { readonly exp?: unknown, readonly sig?: unknown }): TokenCheck {
    return checkPlaybackToken(this.key, this.secret, signal, query, Math.floor(this.now() / 1000))
  }

  /** `base` with the token on every URI, rendered once per playlist version and token. */
  playlist (playlistKey: string, base: Buffer, token: PlaybackToken): Buffer {
    return this.playlists.get(playlistKey, base, tokenQuery(token))
  }
}
