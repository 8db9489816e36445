import { ConfigError } from '../config/config-error.js'
import { parseHttpUrl } from '../config/env-readers.js'
import { ReporterErrors } from './reporter-errors.js'
import { MAX_URL_LENGTH } from './reporter-limits.js'

/**
 * URLs in one canonical form (no trailing slash, lower-case host), so the same packager reported as
 * 'http://LOCALHOST:8080/' and 'http://localhost:8080' is one entry. Throws a 400 naming the item
 * for credentials, queries, fragments or duplicates.
 */
export function normalizeUrls<T extends { url: string }> (items: readonly T[], field: string, key: (item: T) => string = (item) => item.url): T[] {
  const seen = new Set<string>()
  return items.map((item, index) => {
    let url: string
    try {
      url = parseHttpUrl(`body/${field}/${index}/url`, item.url)
    } catch (err) {
      if (err instanceof ConfigError) throw new ReporterErrors.BAD_URL(err.variable, err.detail)
      throw err
    }
    // percent-encoding can lengthen a URL: the answer-size bound counts normalized URLs
    if (url.length > MAX_URL_LENGTH) throw new ReporterErrors.BAD_URL(`body/${field}/${index}/url`, `normalized to ${url.length} characters; at most ${MAX_URL_LENGTH}`)
    const normalized = { ...item, url }
    const id = key(normalized)
    if (seen.has(id)) throw new ReporterErrors.DUPLICATE(`body/${field}/${index}`, id)
    seen.add(id)
    return normalized
  })
}
