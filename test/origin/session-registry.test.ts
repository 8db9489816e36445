import t from 'tap'
import { pino } from 'pino'
import { SessionRegistry } from '../../internal/origin/session-registry.js'
import { UpstreamClient } from '../../internal/origin/upstream-client.js'
import { createOriginMetrics } from '../../internal/origin/origin-metrics.js'
import { createMetricsRegistry } from '../../internal/metrics/metrics-registry.js'
import { DEFAULT_PARSE_LIMITS } from '../../internal/hls/playlist-parser.js'
import { DEFAULT_HEALTH_OPTIONS } from '../../internal/hls/source-health.js'
import { DEFAULT_TIMELINE_OPTIONS } from '../../internal/hls/timeline-state.js'
import { freePort } from '../support/free-port.js'

t.test('junk signal names cannot fill the registry and lock real signals out', async (t) => {
  const client = new UpstreamClient({ connectTimeoutMs: 100, headersTimeoutMs: 100, bodyTimeoutMs: 100, maxBodyBytes: 65536 })
  const registry = new SessionRegistry({
    session: {
      sources: [`http://127.0.0.1:${await freePort()}`],
      timeline: DEFAULT_TIMELINE_OPTIONS,
      health: DEFAULT_HEALTH_OPTIONS,
      parseLimits: DEFAULT_PARSE_LIMITS,
      tickMs: 250
    },
    maxSignals: 2,
    idleMs: 60_000
  }, client, createOriginMetrics(createMetricsRegistry('test')), pino({ level: 'silent' }))
  t.teardown(async () => { await registry.close(); await client.close() })

  t.ok(registry.get('junk1'))
  t.ok(registry.get('junk2'))
  const third = registry.get('junk3')
  t.ok(third, 'a full registry drops a session that never went live to make room')
  t.same(registry.all().map((s) => s.signal).sort(), ['junk2', 'junk3'], 'the oldest never-live one went')

  registry.applyView(new Map([['live01', []], ['live02', []]]))
  const signals = registry.all().map((s) => s.signal)
  t.ok(signals.includes('live01') && signals.includes('live02'), `signals the reporter lists are admitted (${signals.join(', ')})`)
  t.ok(registry.all().length <= 2, 'and the cap holds while junk can be dropped')
})
