import { sep } from 'node:path'
import { isValidName } from '../hls/names.js'

/**
 * The signal a playlist path (relative to the output folder) belongs to: `<signal>/playlist.m3u8`
 * or `<signal>/<rendition>/<name>.m3u8`. Anything else, or a name outside the patterns, is no signal.
 */
export function signalOfPlaylist (relativePath: string): string | undefined {
  const parts = relativePath.split(sep)
  const [signal, second, third] = parts
  if (signal === undefined || !isValidName('signal', signal)) return undefined
  if (parts.length === 2 && second === 'playlist.m3u8') return signal
  if (parts.length === 3 && second !== undefined && third !== undefined &&
    isValidName('rendition', second) && isValidName('playlist', third)) return signal
  return undefined
}

/** Signals whose newest playlist was written less than `maxAgeMs` ago, sorted by name. */
export function liveSignals (mtimes: ReadonlyMap<string, number>, now: number, maxAgeMs: number): string[] {
  const newest = new Map<string, number>()
  for (const [path, mtime] of mtimes) {
    const signal = signalOfPlaylist(path)
    if (signal !== undefined) newest.set(signal, Math.max(newest.get(signal) ?? -Infinity, mtime))
  }
  return [...newest].filter(([, mtime]) => now - mtime < maxAgeMs).map(([signal]) => signal).sort()
}
