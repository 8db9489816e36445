/**
 * An attribute list (RFC 8216bis 4.2): comma-separated NAME=value pairs, a value either a
 * quoted-string (no quote or line break inside) or an unquoted run without commas. Returns the
 * values by name, quotes removed, or undefined when the text is not such a list.
 */
export function parseAttributeList (text: string): Map<string, string> | undefined {
  const out = new Map<string, string>()
  const pattern = /([A-Z0-9-]+)=("[^"\r\n]*"|[^",\s]*)(,|$)/y
  let at = 0
  while (at < text.length) {
    pattern.lastIndex = at
    const match = pattern.exec(text)
    if (match === null) return undefined
    const [whole, name = '', raw = ''] = match
    if (out.has(name)) return undefined
    out.set(name, raw.startsWith('"') ? raw.slice(1, -1) : raw)
    at += whole.length
    if (match[3] === '' && at < text.length) return undefined
  }
  return out
}
