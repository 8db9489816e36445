import { isValidName } from '../hls/names.js'

export type TargetKind = 'playlist' | 'segment'

/** A file a request may read, named relative to the served root with '/' separators. */
export interface RequestTarget {
  readonly kind: TargetKind
  readonly key: string
}

export interface TargetRefusal {
  readonly refused: 'signal' | 'rendition' | 'playlist' | 'segment'
}

/**
 * Maps decoded route params onto a file under the root, or names the part that is refused.
 * Pure and checked before anything touches the disk: every part must match its strict name
 * pattern, so separators, `..`, `%`, NUL and backslashes never get through.
 */
export function resolveRequestTarget (signal: string, rendition: string | undefined, file: string): RequestTarget | TargetRefusal {
  if (!isValidName('signal', signal)) return { refused: 'signal' }
  if (rendition !== undefined && !isValidName('rendition', rendition)) return { refused: 'rendition' }
  const kind: TargetKind = file.endsWith('.m3u8') ? 'playlist' : 'segment'
  if (!isValidName(kind, file)) return { refused: kind }
  const key = rendition === undefined ? `${signal}/${file}` : `${signal}/${rendition}/${file}`
  return { kind, key }
}

export function isRefusal (target: RequestTarget | TargetRefusal): target is TargetRefusal {
  return 'refused' in target
}
