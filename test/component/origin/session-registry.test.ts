import t from 'tap'
import { pino } from 'pino'
import { SessionRegistry } from '../../../internal/origin/session-registry.js'
import { UpstreamClient } from '../../../internal/origin/upstream-client.js'
import { createOriginMetrics } from '../../../internal/origin/origin-metrics.js'
import { createMetricsRegistry } from '../../../internal/metrics/metrics-registry.js'
import { DEFAULT_PARSE_LIMITS } from '../../../internal/hls/playlist-parser.js'
import { DEFAULT_HEALTH_OPTIONS } from '../../../internal/hls/source-health.js'
import { DEFAULT_TIMELINE_OPTIONS } from '../../../internal/hls/timeline-state.js'
import { epochMsn, startFakeLivePackager, type FakeLivePackager } from '../../support/fake-live-packager.js'
import { waitFor } from '../../support/wait-for.js'

/** One fake packager per signal (s1, s2, s3), all allow-listed; a registry of at most 2 signals. */
async function setup (t: { teardown: (fn: () => unknown) => void }): Promise<{ registry: SessionRegistry, packagers: FakeLivePackager[] }> {
  const packagers = await Promise.all(['s1', 's2', 's3'].map(async (signal, i) => await startFakeLivePackager(t, { name: `P${i}`, signal, lastMsn: epochMsn(1) })))
  const client = new UpstreamClient({ connectTimeoutMs: 200, headersTimeoutMs: 500, bodyTimeoutMs: 500, maxBodyBytes: 65536 })
  const registry = new SessionRegistry({
    session: {
      sources: packagers.map((p) => p.url),
      timeline: DEFAULT_TIMELINE_OPTIONS,
      health: DEFAULT_HEALTH_OPTIONS,
      parseLimits: DEFAULT_PARSE_LIMITS,
      tickMs: 250
    },
    maxSignals: 2,
    idleMs: 60_000
  }, client, createOriginMetrics(createMetricsRegistry('test')), pino({ level: 'silent' }))
  registry.start()
  t.teardown(async () => { await registry.close(); await client.close() })
  return { registry, packagers }
}

const requests = (packagers: readonly FakeLivePackager[]): number => packagers.reduce((n, p) => n + p.requestLog.length, 0)

t.test('a name no packager serves is probed once, then costs nothing and is never listed', async (t) => {
  const { registry, packagers } = await setup(t)
  const sessions = [1, 2, 3, 4, 5].map(() => registry.get('junk1'))
  t.ok(sessions.every((s) => s !== undefined && s === sessions[0]), 'concurrent requests share one pending session')
  t.equal(await sessions[0]?.whenReady(5000), false, 'it is refused once the probe finds no packager')
  t.equal(requests(packagers), 3, 'one entry playlist request per packager, for five requests')
  t.same(registry.all(), [], 'never followed, so never on the status page')
  const again = registry.get('junk1')
  t.equal(await again?.whenReady(5000), false)
  await new Promise((resolve) => setTimeout(resolve, 1200))
  t.equal(requests(packagers), 3, 'asked again within the negative TTL: no upstream request, and no retry loop')
})

t.test('a name a packager serves is followed', async (t) => {
  const { registry } = await setup(t)
  const session = registry.get('s2')
  t.equal(await session?.whenReady(10_000), true, 'ready')
  t.same(registry.all().map((s) => s.signal), ['s2'])
})

t.test('the reporter\'s list counts against the limit and never makes junk names followed', async (t) => {
  const { registry, packagers } = await setup(t)
  const listed = packagers.map((p) => p.url)
  registry.applyView(new Map([['junk1', listed], ['junk2', listed], ['s1', listed], ['s2', listed], ['s3', listed]]))
  await waitFor('two signals followed', () => registry.all().length === 2, { timeoutMs: 5000, intervalMs: 50 })
  await new Promise((resolve) => setTimeout(resolve, 1500))
  const followed = registry.all().map((s) => s.signal).sort()
  t.equal(followed.length, 2, `at most maxSignals followed (${followed.join(', ')})`)
  t.ok(followed.every((s) => ['s1', 's2', 's3'].includes(s)), 'only names a packager serves')
  const junkProbes = packagers.reduce((n, p) => n + (p.hitsByPath.get('/junk1/playlist.m3u8') ?? 0), 0)
  t.equal(junkProbes, 3, 'a listed junk name is probed once per packager, not polled')
  const third = ['s1', 's2', 's3'].find((s) => !followed.includes(s)) ?? ''
  t.equal(registry.get(third), undefined, 'a full registry of reported signals refuses another one')
})
