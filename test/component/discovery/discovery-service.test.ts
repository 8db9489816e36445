import { sideBySide } from '../../support/side-by-side.js'
import { mkdir, mkdtemp, rm, utimes, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tmpdir } from 'node:os'
import { pino, type Logger } from 'pino'
import { request } from 'undici'
import { loadDiscoveryConfig } from '../../../internal/discovery/discovery-config.js'
import { DiscoveryService } from '../../../internal/discovery/discovery-service.js'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../../internal/reporter/reporter-service.js'
import type { IngestView } from '../../../internal/reporter/report-schema.js'
import { freePort } from '../../support/free-port.js'
import { waitFor } from '../../support/wait-for.js'
import { MASTER, mediaPlaylist, startFakePackager, startSilentServer, type FakePackager } from '../../support/fake-packager.js'

// each test starts its own services and fakes on free ports: run them side by side

type Teardown = { teardown: (fn: () => Promise<void> | void) => void }
const TOKEN = 'discovery-test-token'

function capturingLogger (): { log: Logger, lines: Array<{ level: number, msg: string, [k: string]: unknown }> } {
  const lines: Array<{ level: number, msg: string }> = []
  const log = pino({ level: 'debug' }, { write: (line: string) => { lines.push(JSON.parse(line)) } })
  return { log, lines }
}

/** An output folder with a live signal whose playlist is touched every 500ms, as a worker would. */
async function liveOutput (t: Teardown, signal = 'live01'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'discovery-test-'))
  const root = join(dir, 'output')
  await mkdir(join(root, signal), { recursive: true })
  const path = join(root, signal, 'playlist.m3u8')
  await writeFile(path, '#EXTM3U\n')
  const timer = setInterval(() => { const now = new Date(); utimes(path, now, now).catch(() => {}) }, 500)
  t.teardown(async () => { clearInterval(timer); await rm(dir, { recursive: true, force: true }) })
  return root
}

async function startReporter (t: Teardown, port = 0): Promise<ReporterService> {
  const reporter = new ReporterService(
    loadReporterConfig({ REPORTER_PORT: String(port), REPORTER_TOKEN: TOKEN, REPORTER_TTL: '2s' }),
    pino({ level: 'silent' })
  )
  t.teardown(async () => { await reporter.close() })
  await reporter.start()
  return reporter
}

async function startDiscovery (t: Teardown, env: Record<string, string>, log: Logger = pino({ level: 'silent' })): Promise<DiscoveryService> {
  const discovery = new DiscoveryService(loadDiscoveryConfig({
    DISCOVERY_PORT: '0', DISCOVERY_RUN_FREQUENCY: '200ms', PROBE_TIMEOUT: '1s', REPORTER_TOKEN: TOKEN, ...env
  }), log)
  t.teardown(async () => { await discovery.close() })
  await discovery.start()
  return discovery
}

async function ingests (reporterPort: number): Promise<IngestView[]> {
  const response = await request(`http://127.0.0.1:${reporterPort}/ingests`)
  return await response.body.json() as IngestView[]
}

/** A packager whose media playlist advances one segment every `everyMs`. */
function advance (fake: FakePackager, everyMs: number, t: Teardown): void {
  let sequence = 100
  const publish = (): void => {
    fake.answers.set('/live01/playlist.m3u8', { status: 200, body: MASTER })
    fake.answers.set('/live01/360p/playlist.m3u8', { status: 200, body: mediaPlaylist(sequence, { targetSeconds: 1 }) })
  }
  publish()
  const timer = setInterval(() => { sequence++; publish() }, everyMs)
  t.teardown(() => { clearInterval(timer) })
}

sideBySide('discovery service', 4, (t) => {
  t.test('each packager gets the right verdict and the reporter lists only the healthy one', { buffered: true }, async (t) => {
    const output = await liveOutput(t)
    const reporter = await startReporter(t)
    const healthy = await startFakePackager()
    const missing = await startFakePackager()
    const frozen = await startFakePackager()
    const garbage = await startFakePackager()
    const silent = await startSilentServer()
    for (const server of [healthy, missing, frozen, garbage, silent]) t.teardown(server.close)
    const closed = `http://127.0.0.1:${await freePort()}`
    advance(healthy, 300, t)
    frozen.answers.set('/live01/playlist.m3u8', { status: 200, body: mediaPlaylist(50, { targetSeconds: 1 }) })
    garbage.answers.set('/live01/playlist.m3u8', { status: 200, body: '<html>502 Bad Gateway</html>' })

    const discovery = await startDiscovery(t, {
      OUTPUT_STREAM_PATH: output,
      REPORTER_URL: `http://127.0.0.1:${reporter.port}`,
      PACKAGER_URLS: [healthy.url, missing.url, frozen.url, garbage.url, silent.url, closed].join(',')
    })

    const expected: Record<string, string> = {
      [healthy.url]: 'ok', [missing.url]: 'http 404', [frozen.url]: 'stale', [garbage.url]: 'malformed', [silent.url]: 'timeout', [closed]: 'refused'
    }
    let last: IngestView[] = []
    const view = await waitFor('the frozen packager to be reported stale', async () => {
      const list = await ingests(reporter.port)
      last = list
      const frozenDetail = list[0]?.details.find((d) => d.url === frozen.url)
      return frozenDetail?.reason === 'stale' ? list : undefined
    }, { timeoutMs: 30_000 }).catch((err: Error) => { throw new Error(`${err.message}; last seen ${JSON.stringify(last)}`) })
    t.equal(view.length, 1)
    const entry = view[0]!
    t.equal(entry.signal, 'live01')
    t.same(entry.packagers, [healthy.url], 'only the healthy, advancing packager')
    t.match(entry.last_reported, /^[A-Z][a-z]{2}, \d{2} [A-Z][a-z]{2} \d{4} \d{2}:\d{2}:\d{2} [+-]\d{2}/)
    const reasons = Object.fromEntries(entry.details.map((d) => [d.url, d.reason]))
    t.same(reasons, expected)
    const healthyDetail = entry.details.find((d) => d.url === healthy.url)!
    t.ok(healthyDetail.media_sequence !== null && healthyDetail.media_sequence >= 100, 'media sequence from the first variant')
    t.ok(healthyDetail.playlist_age_ms !== null && healthyDetail.playlist_age_ms < 3000, `playlist age ${String(healthyDetail.playlist_age_ms)}ms`)

    // the frozen packager comes back to life: healthy again on its next advance
    advance(frozen, 300, t)
    await waitFor('the revived packager to be listed again', async () => {
      const list = await ingests(reporter.port)
      return list[0]?.packagers.includes(frozen.url) === true ? true : undefined
    }, { timeoutMs: 20_000 })
    t.pass('a frozen packager that advances again is healthy again')

    const metrics = await (await request(`http://127.0.0.1:${discovery.port}/metrics`)).body.text()
    t.match(metrics, new RegExp(`discovery_probe_results_total\\{packager="${closed}",reason="refused",service="discovery"\\} \\d+`))
    t.match(metrics, new RegExp(`discovery_probe_results_total\\{packager="${frozen.url}",reason="stale",service="discovery"\\} \\d+`))
    t.match(metrics, /discovery_cycle_duration_seconds_count\{service="discovery"\} \d+/)
    t.match(metrics, /discovery_live_signals\{service="discovery"\} 1/)
    t.equal((await request(`http://127.0.0.1:${discovery.port}/healthz`)).statusCode, 200)
  })

  t.test('reporter down: discovery keeps cycling, logs the outage once, recovers when it returns', { buffered: true }, async (t) => {
    const output = await liveOutput(t)
    const packager = await startFakePackager()
    t.teardown(packager.close)
    advance(packager, 300, t)
    const reporterPort = await freePort()
    const { log, lines } = capturingLogger()
    const discovery = await startDiscovery(t, {
      OUTPUT_STREAM_PATH: output, REPORTER_URL: `http://127.0.0.1:${reporterPort}`, PACKAGER_URLS: packager.url
    }, log)

    await waitFor('several cycles with the reporter away', () => discovery.cycles >= 6, { timeoutMs: 20_000 })
    const warnings = lines.filter((l) => l.msg.startsWith('reporter unreachable'))
    t.equal(warnings.length, 1, 'one warning for the whole outage')
    t.equal(warnings[0]?.level, 40)
    t.equal(warnings[0]?.reason, 'refused')
    const metrics = await (await request(`http://127.0.0.1:${discovery.port}/metrics`)).body.text()
    const failures = Number(/discovery_reporter_post_failures_total\{reason="refused",service="discovery"\} (\d+)/.exec(metrics)?.[1] ?? 0)
    t.ok(failures >= 1, `failed POSTs counted (${failures})`)
    t.ok(failures < discovery.cycles, `backoff skipped some POSTs (${failures} failures in ${discovery.cycles} cycles)`)

    await startReporter(t, reporterPort)
    const list = await waitFor('the report after the reporter came back', async () => {
      const views = await ingests(reporterPort)
      return views.length > 0 ? views : undefined
    }, { timeoutMs: 30_000 })
    t.same(list[0]?.packagers, [packager.url])
    await waitFor('the recovery line', () => lines.some((l) => l.msg === 'reporter reachable again'), { timeoutMs: 5000 })
    const recovery = lines.filter((l) => l.msg === 'reporter reachable again')
    t.equal(recovery.length, 1)
    t.equal(recovery[0]?.level, 30)
    t.equal(lines.filter((l) => l.msg.startsWith('reporter unreachable')).length, 1, 'still one warning')
  })

  t.test('a wrong token is an outage with a hint, and nothing reaches the reporter', { buffered: true }, async (t) => {
    const output = await liveOutput(t)
    const reporter = await startReporter(t)
    const packager = await startFakePackager()
    t.teardown(packager.close)
    advance(packager, 300, t)
    const { log, lines } = capturingLogger()
    const discovery = await startDiscovery(t, {
      OUTPUT_STREAM_PATH: output, REPORTER_URL: `http://127.0.0.1:${reporter.port}`, PACKAGER_URLS: packager.url, REPORTER_TOKEN: 'not-the-token'
    }, log)
    await waitFor('a few cycles', () => discovery.cycles >= 3, { timeoutMs: 20_000 })
    t.same(await ingests(reporter.port), [])
    const warning = lines.find((l) => l.msg.startsWith('reporter unreachable'))
    t.match(warning?.msg, /check REPORTER_TOKEN/)
  })

  t.test('a signal whose playlists are older than MAX_AGE_PLAYLIST is not probed or reported', { buffered: true }, async (t) => {
    const dir = await mkdtemp(join(tmpdir(), 'discovery-test-'))
    const root = join(dir, 'output')
    await mkdir(join(root, 'ended'), { recursive: true })
    t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
    const playlist = join(root, 'ended', 'playlist.m3u8')
    await writeFile(playlist, '#EXTM3U\n')
    const old = new Date(Date.now() - 5000)
    await utimes(playlist, old, old)
    const reporter = await startReporter(t)
    const packager = await startFakePackager()
    t.teardown(packager.close)
    packager.answers.set('/ended/playlist.m3u8', { status: 200, body: mediaPlaylist(1) })
    const discovery = await startDiscovery(t, {
      OUTPUT_STREAM_PATH: root, REPORTER_URL: `http://127.0.0.1:${reporter.port}`, PACKAGER_URLS: packager.url, MAX_AGE_PLAYLIST: '3s'
    })
    const [result, joined] = await Promise.all([discovery.runCycle(), discovery.runCycle()])
    t.equal(result, joined, 'a second call joins the running cycle instead of overlapping it')
    t.same(result.signals, [])
    t.same(result.reports, [])
    t.equal(packager.hits.get('/ended/playlist.m3u8'), undefined, 'no probe for a signal that is not live')
    t.same(await ingests(reporter.port), [])

    await utimes(playlist, new Date(), new Date())
    const live = await discovery.runCycle()
    t.same(live.signals, ['ended'], 'touched again: live again')
    t.equal(live.reports[0]?.packagers[0]?.healthy, true)

    await discovery.close()
    await discovery.close()
    const cycles = discovery.cycles
    await new Promise((resolve) => setTimeout(resolve, 600))
    t.equal(discovery.cycles, cycles, 'no cycle runs after close')
  })
})
