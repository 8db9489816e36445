import { Registry, collectDefaultMetrics } from 'prom-client'

/** A Prometheus registry per service, so tests can run several services in one process. */
export function createMetricsRegistry (service: string): Registry {
  const registry = new Registry()
  registry.setDefaultLabels({ service })
  collectDefaultMetrics({ register: registry })
  return registry
}
