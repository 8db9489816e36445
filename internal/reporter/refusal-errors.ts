import type { EdgeRefusal } from './edge-store.js'
import type { IngestRefusal } from './ingest-store.js'
import { ReporterErrors } from './reporter-errors.js'

/** The 429 for a report past its writer's limits, in one line naming the limit's variable. */
export function ingestRefusalError (refusal: IngestRefusal): Error {
  if (refusal.limit === 'signals') {
    return new ReporterErrors.LIMIT(`${refusal.max} signals are live, the most discovery may register (REPORTER_MAX_SIGNALS); a new signal waits until one expires`)
  }
  return new ReporterErrors.LIMIT(`signal '${refusal.signal}' would list ${refusal.count} packagers; at most ${refusal.max} (REPORTER_MAX_PACKAGERS_PER_SIGNAL)`)
}

/** 429 past REPORTER_MAX_EDGES; 409 for an id or URL a live record holds. */
export function edgeRefusalError (refusal: EdgeRefusal): Error {
  if (refusal.limit === 'edges') {
    return new ReporterErrors.LIMIT(`${refusal.max} edges are live, the most the edges manager may register (REPORTER_MAX_EDGES); a new edge waits until one expires`)
  }
  const seconds = Math.ceil(refusal.expiresInMs / 1000)
  const what = refusal.heldBy === refusal.id ? `edge '${refusal.id}' is registered at ${refusal.heldUrl}` : `${refusal.url} is registered as edge '${refusal.heldBy}'`
  return new ReporterErrors.EDGE_TAKEN(`${what} for another ${seconds}s; the first registration holds until it expires`)
}
