// The operator status page in a real Chromium against the real pipeline: it names the signal and
// both packagers, its embedded hls.js player plays through the origin, and a SIGKILLed packager
// shows up as down with a reason within seconds. Every service's /metrics carries its series.
import t, { type Test } from 'tap'
import { access, mkdir, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type BrowserContext, type Page } from 'playwright-core'
import { startLocalStack } from '../support/local-stack.js'
import { PROJECT_ROOT } from '../support/project-root.js'
import { waitFor } from '../support/wait-for.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']
const SCREENSHOT = join(PROJECT_ROOT, '.tap', 'screenshots', 'status-page.png')

/** Series each service must expose (README "Metrics"); a type mismatch or a missing name fails. */
const SERIES: Readonly<Record<string, readonly string[]>> = {
  origin: ['origin_failovers_total counter', 'origin_active_packager gauge', 'origin_playlist_age_seconds gauge', 'origin_upstream_fetches_total counter', 'origin_segments_served_total counter', 'origin_edges gauge'],
  reporter: ['reporter_live_signals gauge', 'reporter_healthy_packagers gauge', 'reporter_live_edges gauge', 'reporter_reports_total counter'],
  discovery: ['discovery_probe_results_total counter', 'discovery_cycle_duration_seconds histogram', 'discovery_live_signals gauge'],
  worker: ['worker_encoder_speed gauge', 'worker_ffmpeg_restarts_total counter', 'worker_ffmpeg_up gauge', 'worker_last_segment_msn gauge'],
  server2: ['packager_requests_total counter', 'packager_cache_hits_total counter', 'packager_blocking_reloads_total counter']
}

async function launch (t: Test): Promise<BrowserContext> {
  await waitFor(`${CHROMIUM} to be installed`, async () => await access(CHROMIUM).then(() => true, () => false), { timeoutMs: 60_000, intervalMs: 1000 })
  const profile = await mkdtemp(join(tmpdir(), 'status-page-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, viewport: { width: 1400, height: 1000 } })
  t.teardown(async () => {
    await context.close().catch(() => {})
    await rm(profile, { recursive: true, force: true })
  })
  return context
}

async function packagerState (page: Page, url: string): Promise<{ state: string, reason: string } | undefined> {
  const row = page.locator(`tr[data-packager="${url}"]`)
  if (await row.count() !== 1) return undefined
  return { state: await row.getAttribute('data-state') ?? '', reason: await row.locator('.reason').innerText() }
}

// the page's own globals, read as a string expression (this project compiles without DOM types)
async function videoTime (page: Page): Promise<number> {
  return Number(await page.evaluate('document.querySelector("video")?.currentTime ?? 0'))
}

t.test('the status page shows the pipeline live, plays it, and reports a killed packager', async (t) => {
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin'] })
  const origin = stack.url('origin')
  const server1 = stack.url('server1')
  const server2 = stack.url('server2')
  await waitFor('the origin to serve live01', async () => (await fetch(`${origin}/live01/playlist.m3u8`)).status === 200, { timeoutMs: 45_000, intervalMs: 250 })

  const ports: Readonly<Record<string, number>> = { origin: stack.ports.origin, reporter: stack.ports.reporter, discovery: stack.ports.discovery, worker: stack.ports.workerMetrics, server2: stack.ports.server2 }
  for (const [service, series] of Object.entries(SERIES)) {
    const text = await (await fetch(`http://127.0.0.1:${ports[service] ?? 0}/metrics`)).text()
    const missing = series.filter((s) => !text.includes(`# TYPE ${s}\n`))
    t.same(missing, [], `${service} /metrics has ${series.length} documented series`)
  }

  const context = await launch(t)
  const page = await context.newPage()
  const pageErrors: string[] = []
  page.on('pageerror', (err) => pageErrors.push(err.message))
  await page.goto(`${origin}/`)

  await page.waitForSelector('article[data-signal="live01"]', { timeout: 15_000 })
  t.equal(await page.textContent('article[data-signal="live01"] .signal-name'), 'live01', 'the page names live01')
  const both = await waitFor('both packagers judged active/standby on the page', async () => {
    const states = [await packagerState(page, server1), await packagerState(page, server2)].map((s) => s?.state)
    return states.includes('active') && states.includes('standby') ? states : undefined
  }, { timeoutMs: 20_000, intervalMs: 250 })
  t.same([...both].sort(), ['active', 'standby'], `server1 ${both[0] ?? ''}, server2 ${both[1] ?? ''}`)
  t.match(await page.textContent('article[data-signal="live01"] .badge.big'), /OK|DEGRADED/, 'the signal state is spelled out, not colour only')

  const started = await waitFor('the video to start playing', async () => {
    const time = await videoTime(page)
    return time > 0.5 ? time : undefined
  }, { timeoutMs: 30_000, intervalMs: 250 })
  const advanced = await waitFor('currentTime to advance', async () => {
    const time = await videoTime(page)
    return time > started + 2 ? time : undefined
  }, { timeoutMs: 20_000, intervalMs: 250 })
  t.ok(advanced > started, `the embedded player plays live01 (currentTime ${started.toFixed(1)} -> ${advanced.toFixed(1)} s)`)

  stack.procs.server1.signal('SIGKILL')
  const down = await waitFor('server1 shown down with a reason', async () => {
    const s = await packagerState(page, server1)
    return s?.state === 'down' && s.reason.trim() !== '' ? s : undefined
  }, { timeoutMs: 15_000, intervalMs: 200 })
  t.match(down.reason, /refused|reset|no answer|timeout|stale/, `server1: ${down.reason}`)
  t.equal((await packagerState(page, server2))?.state, 'active', 'server2 carries the signal')
  t.equal(await page.getAttribute('article[data-signal="live01"]', 'data-state'), 'degraded', 'the signal reads as degraded')
  if (both[0] === 'active') {
    await page.waitForSelector('#failovers tr[data-kind="failover"]', { timeout: 10_000 })
    t.match(await page.textContent('#failovers'), /→/, 'the failover is listed with its time')
  }
  const stillPlaying = await videoTime(page)
  t.ok(stillPlaying > advanced, `the player kept playing through the kill (${stillPlaying.toFixed(1)} s)`)

  await mkdir(join(PROJECT_ROOT, '.tap', 'screenshots'), { recursive: true })
  await page.screenshot({ path: SCREENSHOT, fullPage: true })
  t.comment(`screenshot: ${SCREENSHOT}`)
  t.same(pageErrors, [], 'no script error on the page')
})
