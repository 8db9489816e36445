import t from 'tap'
import { HlsBrowserPlayer } from '../chaos/hls-player.js'
import { startLocalStack } from '../support/local-stack.js'
import { waitFor } from '../support/wait-for.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

// One origin restarting is seen by every player (the chaos table's origin row: a fatal hls.js
// error and a long stall). Two replicas offered as HLS Content Steering pathways are not: when
// the one a player uses dies, hls.js moves every level to the other pathway.
t.test('origin replicas as Content Steering pathways: hls.js plays on through a SIGKILL of the origin it uses', { timeout: 240_000 }, async (t) => {
  const stack = await startLocalStack(t, {
    originReplicas: true,
    start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'origin2']
  })
  const entryA = `${stack.url('origin')}/live01/playlist.m3u8`
  const entryB = `${stack.url('origin2')}/live01/playlist.m3u8`
  const masters = await waitFor('both replicas to serve live01', async () => {
    const answers = await Promise.all([entryA, entryB].map(async (url) => await fetch(url).then(async (r) => r.status === 200 ? await r.text() : undefined)))
    return answers.every((a) => a !== undefined) ? answers as string[] : undefined
  }, { timeoutMs: 60_000, intervalMs: 500 })
  t.equal(masters[0], masters[1], 'the replicas serve byte-identical multivariant playlists')
  t.match(masters[0], /PATHWAY-ID="b"/)

  const player = new HlsBrowserPlayer(entryA)
  t.teardown(async () => { await player.close() })
  await player.start()
  await player.waitUntilPlaying(40_000)
  await sleep(4000)
  const killedAt = Date.now()
  stack.procs.origin.signal('SIGKILL')
  await sleep(14_000)
  await stack.procs.origin.start()
  await sleep(2000)
  const report = await player.close()
  const hostA = new URL(entryA).host
  const hostB = new URL(entryB).host
  t.comment(JSON.stringify({
    stalls: report.stalls,
    errors: report.errors.map((e) => `${e.details}${e.fatal ? ' FATAL' : ''}`),
    failedRequests: report.httpErrors.length,
    servedBy: report.servedBy.map((s) => ({ host: s.host === hostA ? 'a' : s.host === hostB ? 'b' : s.host, first: s.first - killedAt, last: s.last - killedAt, count: s.count })),
    progressRatio: Number(report.progressRatio.toFixed(3))
  }))

  t.ok(report.began, 'the player started on pathway a')
  const a = report.servedBy.find((s) => s.host === hostA)
  const b = report.servedBy.find((s) => s.host === hostB)
  t.ok(a !== undefined && a.first < killedAt, 'it played from origin a first')
  t.ok(b !== undefined && b.count > 5 && b.last > killedAt + 10_000, 'after the kill it played from origin b')
  t.same(report.stalls, [], '0 stalls')
  t.same(report.errors.filter((e) => e.fatal), [], '0 fatal player errors')
  t.ok(report.progressRatio > 0.9, `the playhead kept up with the wall clock (${report.progressRatio.toFixed(3)})`)
})
