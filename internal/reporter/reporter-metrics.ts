import { Counter, Gauge, type Registry } from 'prom-client'
import type { EdgeStore } from './edge-store.js'
import type { IngestStore } from './ingest-store.js'

/** Why a write was refused; the only label values the reports counter ever gets. */
export const REJECT_REASONS = ['unauthorized', 'forbidden', 'limit', 'taken', 'invalid_body', 'invalid_json', 'too_large', 'bad_url', 'duplicate', 'full', 'other'] as const
export type RejectReason = typeof REJECT_REASONS[number]

const REASON_BY_CODE: Readonly<Record<string, RejectReason>> = {
  REPORTER_ERR_UNAUTHORIZED: 'unauthorized',
  REPORTER_ERR_FORBIDDEN: 'forbidden',
  REPORTER_ERR_LIMIT: 'limit',
  REPORTER_ERR_EDGE_TAKEN: 'taken',
  FST_ERR_VALIDATION: 'invalid_body',
  REPORTER_ERR_BAD_TYPE: 'invalid_body',
  FST_ERR_CTP_INVALID_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'invalid_json',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'invalid_body',
  FST_ERR_CTP_BODY_TOO_LARGE: 'too_large',
  REPORTER_ERR_BAD_URL: 'bad_url',
  REPORTER_ERR_DUPLICATE: 'duplicate',
  REPORTER_ERR_FULL: 'full'
}

export function rejectReasonFor (code: string | undefined): RejectReason {
  return (code !== undefined ? REASON_BY_CODE[code] : undefined) ?? 'other'
}

export interface ReporterMetrics {
  readonly reports: Counter<'kind' | 'result' | 'reason'>
}

/** Store gauges are computed at scrape time, so they apply the TTL exactly as GET /ingests does. */
export function createReporterMetrics (registry: Registry, ingests: IngestStore, edges: EdgeStore): ReporterMetrics {
  new Gauge({
    name: 'reporter_live_signals',
    help: 'Signals with at least one healthy packager in an unexpired report',
    registers: [registry],
    async collect () { this.set((await orNothing(ingests.list()))?.length ?? 0) }
  })
  new Gauge({
    name: 'reporter_healthy_packagers',
    help: 'Healthy packagers per live signal',
    labelNames: ['signal'] as const,
    registers: [registry],
    async collect () {
      const views = await orNothing(ingests.list()) ?? []
      // reset first: a signal that expired must disappear, not keep its last value
      this.reset()
      for (const view of views) this.set({ signal: view.signal }, view.packagers.length)
    }
  })
  new Gauge({
    name: 'reporter_live_edges',
    help: 'Edges with an unexpired heartbeat',
    registers: [registry],
    async collect () { this.set((await orNothing(edges.list()))?.length ?? 0) }
  })
  const reports = new Counter({
    name: 'reporter_reports_total',
    help: 'POSTed reports by kind (ingests, edges), result (accepted, rejected) and reason',
    labelNames: ['kind', 'result', 'reason'] as const,
    registers: [registry]
  })
  return { reports }
}

/** While the registry is unreachable a scrape still answers: the store gauges read 0. */
async function orNothing<T> (pending: Promise<T>): Promise<T | undefined> {
  return await pending.catch(() => undefined)
}
