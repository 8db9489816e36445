import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import t from 'tap'
import { HlsBrowserPlayer } from '../chaos/hls-player.js'
import { FLEET_TOKENS, startFleetStack, type FleetStack } from '../support/fleet-stack.js'
import { listedSegments, startPublisher, type ListedSegment } from '../support/live-publisher.js'
import { takeTurn } from '../support/one-at-a-time.js'
import { waitFor } from '../support/wait-for.js'
import { firstFramePsnr, frameNumbersOf, makeCounterInput } from '../support/worker-test-helpers.js'

// A live push, end to end with real parts: ffmpeg publishes over RTMP to the ingest's nginx (its
// RTMP module asks our control API whether the key is a stream's), two fleet workers pull it and
// encode it on the epoch grid by the shared anchor, the origin plays it to hls.js. The publisher
// drops for 15 s: both workers show the slate from the same MSN and go back to live at the same
// MSN, and the viewer never stalls. The control of the epoch-lock checks is the frame each
// segment opens on: a worker off by one frame or one segment fails them.
t.setTimeout(240_000)

const STREAM = 'live01'
const SEG = 2

/** How long a publisher's connect took to be refused, from the connect to its exit; Infinity when it was not refused within 5 s. */
async function refusedWithinMs (input: string, url: string): Promise<number> {
  const p = startPublisher(input, url, { timeConnect: true })
  const code = await Promise.race([p.exited, new Promise<'running'>((resolve) => setTimeout(() => { resolve('running') }, 5000))])
  const refusedAt = Date.now()
  p.stop()
  const connectedAt = p.connectedAt()
  if (code === 'running' || code === 0 || connectedAt === undefined) return Infinity
  return refusedAt - connectedAt
}

async function listed (stack: FleetStack, worker: string): Promise<ListedSegment[]> {
  return listedSegments(await readFile(join(stack.dir, worker, STREAM, 'playlist.m3u8'), 'utf8').catch(() => ''))
}

t.test('RTMP and SRT push with a stream key: refused keys, epoch-locked workers, the slate while the publisher is away', async (t) => {
  await takeTurn(t, 'realtime-players')
  const stack = await startFleetStack({ streams: [STREAM], workers: 2, capacity: 2, ladder: '180p:320x180:200', push: { keyPrefix: 'key-of', ingests: 1, srt: true } })
  t.teardown(stack.stop)
  t.teardown(() => {
    if (t.passing()) return
    for (const [name, p] of [['ingest1', stack.ingests[0]?.process] as const, ...stack.workers]) {
      t.comment(`${name}: ${(p?.recentOutput() ?? '').split('\n').filter((l) => !l.includes('"level":20')).slice(-25).join('\n')}`)
    }
  })
  const input = join(stack.dir, 'counter.mp4')
  await makeCounterInput(input, 8)
  const ingest = stack.ingests[0]
  if (ingest === undefined) throw new Error('no ingest')
  const rtmp = `rtmp://127.0.0.1:${ingest.rtmpPort}`
  const key = `key-of-${STREAM}`
  const srt = (passphrase: string): string => `srt://127.0.0.1:${ingest.srtPorts.get(STREAM) ?? 0}?passphrase=${passphrase}`
  await waitFor('live01 on both workers', async () => (await stack.placement())[STREAM]?.length === 2, { timeoutMs: 30_000 })

  const wrongMs = await refusedWithinMs(input, `${rtmp}/live/not-a-key-at-all`)
  t.ok(wrongMs < 1000, `a wrong key is refused at connect (${wrongMs} ms)`)
  t.match(ingest.process.recentOutput(), /"reason":"wrong or rotated-out stream key","msg":"publish refused"/, 'and logged, without the key')
  await waitFor('the SRT listener of live01', () => ingest.process.recentOutput().includes('SRT listener open'), { timeoutMs: 10_000 })
  const wrongSrtMs = await refusedWithinMs(input, srt('not-a-key-at-all'))
  t.ok(wrongSrtMs < 1000, `a wrong key is refused at the SRT handshake (${wrongSrtMs} ms)`)
  t.match(ingest.process.recentOutput(), /"stream":"live01","role":"main","protocol":"srt".*"reason":"Incorrect passphrase","msg":"publish refused/, 'and logged naming the stream')
  t.notMatch(ingest.process.recentOutput(), /not-a-key-at-all/, 'the key itself is never logged')

  let publisher = startPublisher(input, `${rtmp}/live/${key}`)
  t.teardown(() => { publisher.stop() })
  const firstPublishAt = publisher.startedAt
  await waitFor('the publish recorded with its anchor', async () => (await stack.get<Array<{ stream: string, anchor: unknown }>>('/publishes')).some((p) => p.stream === STREAM && p.anchor !== null), { timeoutMs: 15_000 })

  const origin = `http://127.0.0.1:${stack.ports.origin}/${STREAM}/playlist.m3u8`
  const slateOf = join(stack.dir, 'w1', STREAM, '.slate', '.source', `slate-${SEG}s-30fps.mp4`)
  const isLive = async (worker: string, msn: number): Promise<boolean> => await firstFramePsnr(join(stack.dir, worker, STREAM, `${msn}.ts`), slateOf) < 25
  // both workers list live segments and the origin plays: the first publish is on the air
  const common = await waitFor('three live MSNs listed by both workers', async () => {
    const [a, b] = [await listed(stack, 'w1'), await listed(stack, 'w2')]
    const shared = a.filter((s) => b.some((o) => o.msn === s.msn)).slice(-3)
    if (shared.length < 3) return undefined
    for (const s of shared) if (!(await isLive('w1', s.msn)) || !(await isLive('w2', s.msn))) return undefined
    return shared
  }, { timeoutMs: 40_000, intervalMs: 500 })
  await waitFor('the origin to answer', async () => (await fetch(origin)).status === 200, { timeoutMs: 20_000 })
  t.comment(`live on both workers and the origin ${Date.now() - firstPublishAt} ms after the first publish`)

  const [listA, listB] = [await listed(stack, 'w1'), await listed(stack, 'w2')]
  for (const s of common) {
    const other = listB.find((o) => o.msn === s.msn)
    t.equal(other?.pdt, listA.find((o) => o.msn === s.msn)?.pdt, `msn ${s.msn}: the same PROGRAM-DATE-TIME on both workers (${s.pdt})`)
    const [framesA, framesB] = [await frameNumbersOf(join(stack.dir, 'w1', STREAM, `${s.msn}.ts`)), await frameNumbersOf(join(stack.dir, 'w2', STREAM, `${s.msn}.ts`))]
    t.same(framesB, framesA, `msn ${s.msn}: both workers show the same ${framesA.length} publisher frames, ${framesA[0] ?? '?'} to ${framesA[framesA.length - 1] ?? '?'}`)
    // the control: a frozen or skipping picture (padding, a dropped frame) breaks the count
    t.ok(framesA.length === SEG * 30 && framesA.every((n, i) => i === 0 || n === ((framesA[i - 1] ?? 0) + 1) % 240), `msn ${s.msn}: one publisher frame after another, none repeated or skipped`)
  }

  const secondMs = await refusedWithinMs(input, `${rtmp}/live/${key}`)
  t.ok(secondMs < 1000, `a second publisher on the live key is refused (${secondMs} ms)`)
  t.match(ingest.process.recentOutput(), /stream 'live01' is already being published/, 'and logged naming the stream')

  const player = new HlsBrowserPlayer(origin)
  t.teardown(async () => { await player.close() })
  await player.start()
  await player.waitUntilPlaying(40_000)
  const steadyUntil = Date.now() + 4000
  await waitFor('steady playback', () => Date.now() > steadyUntil, { timeoutMs: 10_000 })

  // the publisher drops for 15 s (OBS crashed), then comes back
  const seen = { w1: new Map<number, ListedSegment>(), w2: new Map<number, ListedSegment>() }
  const originSequences: number[] = []
  const watch = setInterval(() => {
    void (async () => {
      for (const w of ['w1', 'w2'] as const) for (const s of await listed(stack, w)) seen[w].set(s.msn, s)
      const text = await (await fetch(origin)).text().catch(() => '')
      const dseq = /#EXT-X-DISCONTINUITY-SEQUENCE:(\d+)/.exec(text)
      if (dseq !== null) originSequences.push(Number(dseq[1]))
    })().catch(() => {})
  }, 500)
  t.teardown(() => { clearInterval(watch) })
  const droppedAt = Date.now()
  publisher.stop()
  const publisherOnPage = async (): Promise<string | undefined> => {
    const status = await (await fetch(`http://127.0.0.1:${stack.ports.origin}/status.json`)).json() as { signals: Array<{ name: string, publisher?: { state: string } }> }
    return status.signals.find((x) => x.name === STREAM)?.publisher?.state
  }
  await waitFor('the status page to say "publisher away"', async () => await publisherOnPage() === 'away', { timeoutMs: 10_000 })
  t.pass('the status page shows the publisher away')
  await waitFor('15 s without the publisher', () => Date.now() - droppedAt > 15_000, { timeoutMs: 20_000 })
  // it comes back over SRT: the ingest relays it to its RTMP application, the workers pull it as before
  publisher = startPublisher(input, srt(key))
  const backAt = publisher.startedAt
  const back = await waitFor('both workers live again', async () => {
    const [a, b] = [await listed(stack, 'w1'), await listed(stack, 'w2')]
    const lastA = a[a.length - 1]
    if (lastA === undefined || lastA.msn * SEG * 1000 < backAt || !b.some((s) => s.msn === lastA.msn)) return undefined
    return (await isLive('w1', lastA.msn)) && (await isLive('w2', lastA.msn)) ? lastA.msn : undefined
  }, { timeoutMs: 40_000, intervalMs: 500 })
  t.comment(`live again at msn ${back}, ${Date.now() - backAt} ms after the publisher came back over SRT`)
  t.pass('a publish over SRT is live on both workers')
  await waitFor('the status page to show the publish again', async () => await publisherOnPage() === 'publishing', { timeoutMs: 10_000 })
  const watchUntil = Date.now() + 6000
  await waitFor('live playback after the return', () => Date.now() > watchUntil, { timeoutMs: 15_000 })
  clearInterval(watch)
  const report = await player.close()

  const breaks = (w: 'w1' | 'w2'): number[] => [...seen[w].values()].filter((s) => s.discontinuity && s.msn * SEG * 1000 > droppedAt - 4000).map((s) => s.msn).sort()
  t.ok(breaks('w1').length >= 2, `w1 switched to the slate and back (discontinuities at ${breaks('w1').join(', ')})`)
  t.same(breaks('w2'), breaks('w1'), 'both workers put the switches at the same MSNs')
  const away = breaks('w1')[0] ?? 0
  t.ok(away * SEG * 1000 <= droppedAt + 2 * SEG * 1000, `the slate starts within about a segment of the drop (msn ${away})`)
  t.ok(originSequences.length > 10 && originSequences.every((v, i) => i === 0 || v >= (originSequences[i - 1] ?? 0)), `the origin's discontinuity sequence never decreased (${originSequences[0] ?? '?'} to ${originSequences[originSequences.length - 1] ?? '?'})`)
  t.comment(JSON.stringify({ stalls: report.stalls, errors: report.errors.slice(0, 4), httpErrors: report.httpErrors.slice(0, 4), progress: report.progressRatio }))
  t.ok(report.began, 'the viewer played')
  t.same(report.stalls, [], 'hls.js: 0 stalls through the drop and the return')
  t.same(report.errors.filter((e) => e.at >= droppedAt), [], 'hls.js: 0 errors')
  t.same(report.httpErrors, [], 'hls.js: 0 HTTP errors')

  // the operator rotates the key: the publish that is on goes on, the old key is refused next time
  const rotated = await fetch(`http://127.0.0.1:${stack.ports.reporter}/streams/${STREAM}`, {
    method: 'PUT', headers: { authorization: `Bearer ${FLEET_TOKENS.REPORTER_OPERATOR_TOKEN}`, 'content-type': 'application/json' },
    body: JSON.stringify({ source: { push: true }, ladder: '180p:320x180:200', redundancy: 2, stream_key: 'a-brand-new-key-1' })
  })
  t.equal(rotated.status, 200, 'the key is rotated through the API')
  publisher.stop()
  await waitFor('the publish to end', async () => !(await stack.get<Array<{ stream: string }>>('/publishes')).some((p) => p.stream === STREAM), { timeoutMs: 10_000 })
  await waitFor('the SRT listener to open again', () => {
    const out = ingest.process.recentOutput()
    return out.includes('SRT publish ended') && out.lastIndexOf('SRT listener open') > out.lastIndexOf('SRT publish ended')
  }, { timeoutMs: 10_000 })
  const oldKeyMs = await refusedWithinMs(input, `${rtmp}/live/${key}`)
  t.ok(oldKeyMs < 1000, `the rotated-out key is refused at its next connect (${oldKeyMs} ms)`)
  const oldSrtMs = await refusedWithinMs(input, srt(key))
  t.ok(oldSrtMs < 1000, `and at its next SRT connect (${oldSrtMs} ms)`)
  publisher = startPublisher(input, srt('a-brand-new-key-1'))
  await waitFor('the new key to publish', async () => (await stack.get<Array<{ stream: string }>>('/publishes')).some((p) => p.stream === STREAM), { timeoutMs: 10_000 })
  t.pass('the new key publishes, over SRT')
})
