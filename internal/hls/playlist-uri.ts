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

/** A variant URI a master playlist may list: "<playlist>.m3u8" or "<rendition>/<playlist>.m3u8". */
export function isValidVariantUri (uri: string): boolean {
  return isRelativeName(uri, 'playlist')
}

/** The last path component of a relative URI. */
export function baseName (uri: string): string {
  return uri.slice(uri.lastIndexOf('/') + 1)
}
