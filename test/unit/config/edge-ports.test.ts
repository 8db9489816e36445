import t from 'tap'
import fc from 'fast-check'
import { readEdgePorts } from '../../../internal/config/edge-ports.js'

const LOOPBACK = { host: '127.0.0.1' }

t.test('defaults: 2 to 6 edges from port 8101, a span of 24 (4 per edge, at least 16), advertised on the bind host', async (t) => {
  t.same(readEdgePorts({}, LOOPBACK), { min: 2, max: 6, basePort: 8101, portSpan: 24, publicHost: '127.0.0.1' })
  t.equal(readEdgePorts({ EDGES_MAX: '10' }, LOOPBACK).portSpan, 40, 'the default span grows with EDGES_MAX')
  t.equal(readEdgePorts({ EDGES_MIN: '1', EDGES_MAX: '2' }, LOOPBACK).portSpan, 16, 'and is never below 16')
})

t.test('a wildcard bind host is advertised as loopback; EDGE_PUBLIC_HOST overrides it', async (t) => {
  t.equal(readEdgePorts({}, { host: '0.0.0.0' }).publicHost, '127.0.0.1')
  t.equal(readEdgePorts({}, { host: '::' }).publicHost, '127.0.0.1')
  t.equal(readEdgePorts({}, { host: 'edge-host.example' }).publicHost, 'edge-host.example')
  t.equal(readEdgePorts({ EDGE_PUBLIC_HOST: 'cdn.example.net' }, { host: '0.0.0.0' }).publicHost, 'cdn.example.net')
})

t.test('each bad value is one ConfigError naming its variable', async (t) => {
  const cases: Array<[Record<string, string>, RegExp]> = [
    [{ EDGES_BASE_PORT: '0' }, /^EDGES_BASE_PORT: '0' is not allowed: edges need fixed ports/],
    [{ EDGES_BASE_PORT: 'x' }, /^EDGES_BASE_PORT: 'x' is not a TCP port/],
    [{ EDGES_MIN: '4', EDGES_MAX: '3' }, /^EDGES_MIN: 4 must not be above EDGES_MAX \(3\)$/],
    [{ EDGES_MIN: '0' }, /^EDGES_MIN: /],
    [{ EDGES_MAX: '65' }, /^EDGES_MAX: /],
    [{ EDGES_MAX: '8', EDGES_PORT_SPAN: '7' }, /^EDGES_PORT_SPAN: '7' is not a whole number from EDGES_MAX \(8\) to 1024$/],
    [{ EDGES_BASE_PORT: '65530' }, /^EDGES_BASE_PORT: 65530 leaves no room for 24 edge ports below 65536/],
    [{ EDGE_PUBLIC_HOST: 'a b' }, /^EDGE_PUBLIC_HOST: 'a b' is not a host name or IP address$/]
  ]
  for (const [env, message] of cases) t.throws(() => readEdgePorts(env, LOOPBACK), { message }, JSON.stringify(env))
})

t.test('any accepted setting fits: min <= max <= span, and every edge port is below 65536 (fast-check)', async (t) => {
  const value = fc.oneof(fc.integer({ min: -5, max: 70_000 }).map(String), fc.constantFrom('', 'x', '1.5'))
  fc.assert(fc.property(value, value, value, value, (base, min, max, span) => {
    let ports
    try {
      ports = readEdgePorts({ EDGES_BASE_PORT: base, EDGES_MIN: min, EDGES_MAX: max, EDGES_PORT_SPAN: span }, LOOPBACK)
    } catch {
      return true
    }
    return ports.min >= 1 && ports.min <= ports.max && ports.max <= ports.portSpan && ports.basePort >= 1 && ports.basePort + ports.portSpan - 1 <= 65535
  }), { numRuns: 500 })
  t.pass('no accepted setting puts an edge outside the port range')
})
