import { ConfigError } from '../config/config-error.js'
import { parseHttpUrl } from '../config/env-readers.js'
import { ReporterErrors } from './reporter-errors.js'

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
    const normalized = { ...item, url }
    const id = key(normalized)
    if (seen.has(id)) throw new ReporterErrors.DUPLICATE(`body/${field}/${index}`, id)
    seen.add(id)
    return normalized
  })
}
