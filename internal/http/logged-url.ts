/**
 * A request URL as it may be logged: the path, and of the query only that there was one. Queries
 * carry playback tokens (`exp`, `sig`, `st`) and whatever a client chose to send.
 */
export function loggedUrl (url: string): string {
  const q = url.indexOf('?')
  return q === -1 ? url : `${url.slice(0, q)}?[redacted]`
}
