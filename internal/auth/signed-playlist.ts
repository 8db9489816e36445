/**
 * Pure: the playlist with `query` added to every URI it lists (URI lines and URI="..." attributes),
 * so a player that opened a signed URL keeps sending the token on every reload and segment.
 */
export function addQueryToPlaylistUris (text: string, query: string): string {
  const withQuery = (uri: string): string => `${uri}${uri.includes('?') ? '&' : '?'}${query}`
  return text.split('\n').map((line) => {
    if (line === '' || line.trim() === '') return line
    if (!line.startsWith('#')) return withQuery(line)
    // EXT-X-MEDIA, EXT-X-I-FRAME-STREAM-INF, EXT-X-MAP, EXT-X-RENDITION-REPORT and friends
    return line.includes('URI="') ? line.replace(/URI="([^"]*)"/g, (_all, uri: string) => `URI="${withQuery(uri)}"`) : line
  }).join('\n')
}
