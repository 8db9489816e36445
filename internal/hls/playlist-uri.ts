import { isValidName } from './names.js'

// Only "<name>" or "<dir>/<name>": anything else (scheme, host, query, "..", "\", "%") is refused,
// so a hostile packager cannot make the origin fetch from elsewhere or leave the output folder.
function isRelativeName (uri: string, leaf: 'segment' | 'playlist'): boolean {
  const parts = uri.split('/')
  if (parts.length === 1) return isValidName(leaf, uri)
  if (parts.length === 2) return isValidName('rendition', parts[0] ?? '') && isValidName(leaf, parts[1] ?? '')
  return false
}

/** A segment URI a packager may list: "<segment>" or "<rendition>/<segment>". */
export function isValidSegmentUri (uri: string): boolean {
  return isRelativeName(uri, 'segment')
}

/** A segment URI as the origin writes it for players: relative, or an edge's http(s) URL of a valid path. */
export function isValidSegmentUriOnAnyHost (uri: string): boolean {
  return isValidUriOnAnyHost(uri, 'segment', 1)
}

/**
 * A variant URI that may also be an http(s) URL of a valid path (discovery reads it, then checks
 * the host itself, so it can tell a packager that points elsewhere from a broken one).
 */
export function isValidVariantUriOnAnyHost (uri: string): boolean {
  return isValidUriOnAnyHost(uri, 'playlist', 0)
}

function isValidUriOnAnyHost (uri: string, leaf: 'segment' | 'playlist', minDirs: number): boolean {
  if (!/^https?:\/\//.test(uri)) return isRelativeName(uri, leaf)
  // judge the text as written: URL parsing would quietly resolve "..", "%2e" and "\\"
  if (/\.\.|%|\\/.test(uri)) return false
  let url: URL
  try { url = new URL(uri) } catch { return false }
  if (url.search !== '' || url.hash !== '' || url.username !== '' || url.password !== '') return false
  const parts = url.pathname.split('/').slice(1)
  const name = parts.pop() ?? ''
  return parts.length >= minDirs && parts.length <= 2 && parts.every((p) => isValidName('rendition', p)) && isValidName(leaf, name)
}

/** The path a segment URI names, without its host: what rule 2 holds fixed for an MSN. */
export function segmentPath (uri: string): string {
  return /^https?:\/\//.test(uri) ? new URL(uri).pathname : uri
}

/** A variant URI a master playlist may list: "<playlist>.m3u8" or "<rendition>/<playlist>.m3u8". */
export function isValidVariantUri (uri: string): boolean {
  return isRelativeName(uri, 'playlist')
}

/** The last path component of a relative URI. */
export function baseName (uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1)
}
