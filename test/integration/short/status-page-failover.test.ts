// The status page in a real Chromium against an origin on scripted packagers and a scripted
// reporter: the live edges are listed with their load, and killing the active packager puts a
// timestamped failover on the page. Light (no ffmpeg), so it also runs on a busy machine.
import t from 'tap'
import { access, mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import Fastify from 'fastify'
import { chromium } from 'playwright-core'
import { advanceEvery } from '../../support/fake-live-packager.js'
import { startPair, startOrigin } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

const CHROMIUM = '/usr/bin/chromium'
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync']

t.test('edges with their load, and a failover with its time, from the page', async (t) => {
  const { a, b } = await startPair(t)
  advanceEvery(t, [a, b], 1000)
  const reporter = Fastify()
  reporter.get('/ingests', async () => [{ signal: 'live01', packagers: [a.url, b.url], last_reported: 'x' }])
  // the second id is off the reporter's pattern: the origin shows the host instead of the raw text
  reporter.get('/edges', async () => [
    { id: 'edge-1', url: 'http://127.0.0.1:1', load_rps: 12.5, last_reported: 'x' },
    { id: '<img src=x onerror=alert(1)>', url: 'http://127.0.0.1:2', load_rps: 3, last_reported: 'x' }
  ])
  await reporter.listen({ port: 0, host: '127.0.0.1' })
  t.teardown(async () => { await reporter.close() })
  const origin = await startOrigin(t, { packagers: [a.url, b.url], reporterUrl: `http://127.0.0.1:${(reporter.server.address() as { port: number }).port}`, env: { REPORTER_POLL_INTERVAL: '200ms' } })

  await waitFor(`${CHROMIUM} to be installed`, async () => await access(CHROMIUM).then(() => true, () => false), { timeoutMs: 60_000, intervalMs: 1000 })
  const profile = await mkdtemp(join(tmpdir(), 'status-page-chromium-'))
  const context = await chromium.launchPersistentContext(profile, { executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS })
  t.teardown(async () => {
    await context.close().catch(() => {})
    await rm(profile, { recursive: true, force: true })
  })
  const page = await context.newPage()
  const dialogs: string[] = []
  page.on('dialog', (dialog) => { dialogs.push(dialog.message()); void dialog.dismiss() })
  await page.goto(`${origin.url}/`)

  await page.waitForSelector('#edges tr[data-edge="edge-1"]', { timeout: 15_000 })
  t.match(await page.locator('#edges tr[data-edge="edge-1"]').innerText(), /edge-1\s+http:\/\/127\.0\.0\.1:1\s+127\.0\.0\.1-1\s+12\.5\s+PATHWAY/, 'edge id, URL, its pathway, load and use are shown')
  t.equal(await page.locator('#edges img').count(), 0, 'no markup from data reached the page')
  t.equal(await page.locator('#edges tr[data-edge="127.0.0.1:2"]').count(), 1, 'an id off the pattern is shown as the host')

  const activeUrl = await waitFor('an active packager on the page', async () => await page.locator('tr[data-packager][data-state="active"]').getAttribute('data-packager', { timeout: 1000 }).catch(() => null) ?? undefined, { timeoutMs: 15_000 })
  const [dead, survivor] = activeUrl === a.url ? [a, b] : [b, a]
  await dead.close()
  await page.waitForSelector('#failovers tr[data-kind="failover"]', { timeout: 15_000 })
  const row = await page.locator('#failovers tr[data-kind="failover"]').first().innerText()
  const host = (url: string): string => new URL(url).host
  t.match(row, new RegExp(`\\d{2}:\\d{2}:\\d{2} .*ago.*live01.*${host(dead.url)} → ${host(survivor.url)}`, 's'), `failover row: ${row.replace(/\s+/g, ' ')}`)
  t.equal(await page.locator(`tr[data-packager="${survivor.url}"]`).getAttribute('data-state'), 'active', 'the survivor is active')
  t.same(dialogs, [], 'no script from data ran')
})
