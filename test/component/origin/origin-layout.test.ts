import type { Test } from 'tap'
import { sideBySide } from '../../support/side-by-side.js'
import type { AddressInfo } from 'node:net'
import Fastify from 'fastify'
import { advanceEvery, epochMsn, startFakeLivePackager } from '../../support/fake-live-packager.js'
import { get, startOrigin } from '../../support/origin-harness.js'
import { waitFor } from '../../support/wait-for.js'

// the tests each start their own fakes and origin and mostly wait on their clocks: run them side by side

const EVIL_MASTER = '#EXTM3U\n#EXT-X-STREAM-INF:BANDWIDTH=100000\nevil/playlist.m3u8\n'
const EVIL_MEDIA = '#EXTM3U\n#EXT-X-VERSION:3\n#EXT-X-TARGETDURATION:1\n#EXT-X-MEDIA-SEQUENCE:1\n#EXTINF:1.000,\n1.ts\n'

interface Impostor {
  readonly url: string
  /** Answer the evil master (else pass the master on too). */
  evilMaster: boolean
  /** How many more evil media playlists to serve before passing those on as well (they 404 there). */
  evilMediaAnswers: number
}

/**
 * Something else on a packager's port: it answers a master naming one rendition, `evil`, and
 * passes every other request on to `upstream` (a real, healthy packager).
 */
async function startImpostor (t: Test, upstream: string, options: { evilMediaAnswers: number }): Promise<Impostor> {
  const app = Fastify()
  const impostor = { url: '', evilMaster: true, evilMediaAnswers: options.evilMediaAnswers }
  app.get('/*', async (request, reply) => {
    const path = request.url
    const type = { 'content-type': 'application/vnd.apple.mpegurl' }
    if (path === '/live01/playlist.m3u8' && impostor.evilMaster) return await reply.headers(type).send(EVIL_MASTER)
    if (path.startsWith('/live01/evil/playlist.m3u8') && impostor.evilMediaAnswers > 0) {
      impostor.evilMediaAnswers--
      return await reply.headers(type).send(EVIL_MEDIA)
    }
    const res = await fetch(`${upstream}${path}`)
    return await reply.code(res.status).headers({ 'content-type': res.headers.get('content-type') ?? 'application/octet-stream' }).send(Buffer.from(await res.arrayBuffer()))
  })
  await app.listen({ host: '127.0.0.1', port: 0 })
  t.teardown(async () => { await app.close() })
  impostor.url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`
  return impostor
}

async function renditionsAtOrigin (originUrl: string): Promise<string[]> {
  const master = await get(`${originUrl}/live01/playlist.m3u8`)
  return master.status === 200 ? master.text.split('\n').filter((l) => l.endsWith('.m3u8')).map((l) => l.split('/')[0] ?? '') : []
}

sideBySide('impostors and ladders', 3, (t) => {
  t.test('an impostor naming a rendition nobody serves is passed over: the ladder comes from the packager that serves it', { buffered: true }, async (t) => {
    const b = await startFakeLivePackager(t, { name: 'B', lastMsn: epochMsn(1) })
    const impostor = await startImpostor(t, b.url, { evilMediaAnswers: 0 })
    const origin = await startOrigin(t, { packagers: [impostor.url, b.url] })
    const renditions = await waitFor('the origin to serve live01', async () => {
      const r = await renditionsAtOrigin(origin.url)
      return r.length > 0 ? r : undefined
    }, { timeoutMs: 10_000, intervalMs: 100 })
    t.same(renditions, ['hi', 'lo'], 'the real ladder')
    t.equal((await get(`${origin.url}/live01/hi/playlist.m3u8`)).status, 200)
    t.same(origin.service.registry.all()[0]?.status().renditions, ['hi', 'lo'], 'the status page shows the real renditions')
  })

  t.test('a ladder learned from a packager that then serves none of it is learned again, and the signal recovers by itself', { buffered: true }, async (t) => {
    const b = await startFakeLivePackager(t, { name: 'B', lastMsn: epochMsn(1) })
    // serves the evil rendition once (when the origin checks it), then never again
    const impostor = await startImpostor(t, b.url, { evilMediaAnswers: 1 })
    const origin = await startOrigin(t, { packagers: [impostor.url, b.url] })
    const opened = get(`${origin.url}/live01/playlist.m3u8`)
    await waitFor('the evil ladder to be learned', async () => origin.service.registry.all()[0]?.status().renditions.join() === 'evil' || undefined, { timeoutMs: 10_000, intervalMs: 20 })
    t.not((await opened).status, 200, 'nothing to serve while the evil ladder stands')
    impostor.evilMaster = false
    advanceEvery(t, [b], 1000)
    const renditions = await waitFor('the real ladder', async () => {
      const r = await renditionsAtOrigin(origin.url)
      return r.length > 0 ? r : undefined
    }, { timeoutMs: 15_000, intervalMs: 200 })
    t.same(renditions, ['hi', 'lo'], 'learned again from a packager that serves it, without an origin restart')
  })

  t.test('control: with no packager serving the ladder it names, the signal is not served', { buffered: true }, async (t) => {
    const b = await startFakeLivePackager(t, { name: 'B', lastMsn: epochMsn(1) })
    const first = await startImpostor(t, b.url, { evilMediaAnswers: 0 })
    const second = await startImpostor(t, b.url, { evilMediaAnswers: 0 })
    const origin = await startOrigin(t, { packagers: [first.url, second.url] })
    const answer = await get(`${origin.url}/live01/playlist.m3u8`)
    t.equal(answer.status, 503, 'no ladder can be learned: 503, never the impostors\' rendition')
    t.same(origin.service.registry.all()[0]?.status().renditions, [], 'no ladder learned')
  })
})
