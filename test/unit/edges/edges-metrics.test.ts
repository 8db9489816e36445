import { Registry } from 'prom-client'
import t from 'tap'
import { CACHE_STATUSES } from '../../../internal/edges/cache-log-reader.js'
import { createEdgesMetrics, removeEdgeSeries } from '../../../internal/edges/edges-metrics.js'

t.test('removeEdgeSeries drops every per-edge series of that edge and only of that edge', async (t) => {
  const registry = new Registry()
  const metrics = createEdgesMetrics(registry)
  for (const edge of ['edge-8101', 'edge-8102']) {
    metrics.loadRps.set({ edge }, 12.5)
    for (const cache of CACHE_STATUSES) metrics.segmentsServed.inc({ edge, cache }, cache === 'hit' ? 7 : 0)
  }
  const before = await registry.metrics()
  t.match(before, /edges_segments_served_total\{edge="edge-8101",cache="hit"\} 7/)
  t.equal(before.split('\n').filter((l) => l.startsWith('edges_segments_served_total{')).length, 2 * CACHE_STATUSES.length)
  removeEdgeSeries(metrics, 'edge-8101')
  const after = await registry.metrics()
  t.notMatch(after, /edge="edge-8101"/, 'nothing left of the stopped edge')
  t.match(after, /edges_segments_served_total\{edge="edge-8102",cache="hit"\} 7/)
  t.match(after, /edges_load_rps\{edge="edge-8102"\} 12.5/)
})
