import t from 'tap'
import { parseEdgeDetails, parseEdges } from '../../../internal/origin/reporter-view.js'

t.test('edge details keep id and load; the URL list for the ring is unchanged', async (t) => {
  const body = [
    { id: 'edge-2', url: 'http://127.0.0.1:8102', load_rps: 3.5, last_reported: 'Fri, 05 Apr 2024 11:23:45 -03' },
    { id: 'edge-1', url: 'http://127.0.0.1:8101/', load_rps: 0, draining: true },
    { id: 'dup', url: 'http://127.0.0.1:8101', load_rps: 9 },
    { id: 'path', url: 'http://127.0.0.1:8103/x', load_rps: 1 },
    { id: '<img src=x onerror=alert(1)>', url: 'http://127.0.0.1:8104', load_rps: -1 },
    { id: 'nan', url: 'http://127.0.0.1:8105', load_rps: 'lots' },
    null
  ]
  t.same(parseEdgeDetails(body), [
    { id: 'edge-1', url: 'http://127.0.0.1:8101', loadRps: 0, draining: true },
    { id: 'edge-2', url: 'http://127.0.0.1:8102', loadRps: 3.5, draining: false, lastReported: 'Fri, 05 Apr 2024 11:23:45 -03' },
    { id: '127.0.0.1:8104', url: 'http://127.0.0.1:8104', loadRps: 0, draining: false },
    { id: 'nan', url: 'http://127.0.0.1:8105', loadRps: 0, draining: false }
  ], 'an id off the pattern is replaced by the host, a bad load by 0, draining only when true')
  t.same(parseEdges(body), ['http://127.0.0.1:8101', 'http://127.0.0.1:8102', 'http://127.0.0.1:8104', 'http://127.0.0.1:8105'])
  t.equal(parseEdgeDetails({ edges: [] }), undefined)
})
