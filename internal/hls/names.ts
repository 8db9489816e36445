/**
 * The only names a path may carry. Anything else is refused before it touches a disk or an
 * upstream URL, so `..`, encoded separators, NUL and over-long names never reach a file system.
 */
export const NAME_PATTERNS = {
  signal: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
  rendition: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/,
  playlist: /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}\.m3u8$/,
  segment: /^[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\.(?:ts|m4s|mp4|aac|vtt)$/
} as const

/** The name of every playlist a signal or rendition folder serves: master and media alike. */
export const PLAYLIST_FILE = 'playlist.m3u8'

/** A CMAF part as the worker names it, `<msn>.<part>.m4s`: what a preload hint names before it exists. */
export const PART_FILE = /^(\d{1,15})\.(\d{1,5})\.m4s$/

export type NameKind = keyof typeof NAME_PATTERNS

export function isValidName (kind: NameKind, name: string): boolean {
  return NAME_PATTERNS[kind].test(name) && !name.includes('..')
}

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/iso.segment',
  mp4: 'video/mp4',
  aac: 'audio/aac',
  vtt: 'text/vtt'
}

/** MIME type by file extension, as players expect it (RFC 8216bis section 4). */
export function contentTypeFor (name: string): string {
  const ext = name.slice(name.lastIndexOf('.') + 1).toLowerCase()
  return CONTENT_TYPES[ext] ?? 'application/octet-stream'
}
