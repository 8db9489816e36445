import t from 'tap'
import { HlsBrowserPlayer, type PlayerReport } from '../chaos/hls-player.js'
import { startFleetStack, waitUntilFleetServes } from '../support/fleet-stack.js'
import { waitFor } from '../support/wait-for.js'

// The multi profile's promise, seen by viewers: a worker SIGKILLed with its ffmpeg (a dying host)
// while hls.js players watch every stream it encoded. Its streams are placed on other workers and
// the other copy carries each viewer meanwhile: 0 stalls, 0 errors. The control watches the dead
// worker's own packager, as a viewer without the fleet would: there the same fault shows. Two
// reporters share the Redis registry: they answer the same, and when the first is SIGKILLed the
// origin, discovery and the workers carry on with the second, whose assigner takes the lease.
t.setTimeout(300_000)

const STREAMS = ['room1', 'room2']

function summary (p: PlayerReport): string {
  return JSON.stringify({ stalls: p.stalls, errors: p.errors.slice(0, 4), httpErrors: p.httpErrors.slice(0, 4), progressRatio: Number(p.progressRatio.toFixed(3)) })
}

t.test('a fleet worker SIGKILLed: its streams move, viewers of each see nothing', async (t) => {
  // 4 copies on 3 workers of capacity 2: one worker holds both streams
  const stack = await startFleetStack({ streams: STREAMS, workers: 3, capacity: 2, reporters: 2 })
  t.teardown(stack.stop)
  const before = await waitUntilFleetServes(stack, STREAMS)
  const ingestsOf = async (reporter: number): Promise<unknown> => (await stack.get<Array<{ signal: string, packagers: string[] }>>('/ingests', reporter)).map((i) => [i.signal, i.packagers])
  t.same(await ingestsOf(1), await ingestsOf(0), 'both reporters answer the same /ingests')
  t.same(await stack.placement(1), before, 'and the same /streams')
  const load = (id: string): number => Object.values(before).filter((ids) => ids.includes(id)).length
  const victim = [...stack.workers.keys()].sort((a, b) => load(b) - load(a))[0] ?? 'w1'
  t.equal(load(victim), 2, `${victim} encodes both streams`)

  const origin = `http://127.0.0.1:${stack.ports.origin}`
  // the operator's status page names each signal's workers and which packager each one feeds
  await waitFor('the status page to show the placement', async () => {
    const status = await (await fetch(`${origin}/status.json`)).json() as { signals: Array<{ name: string, workers: Array<{ id: string }>, packagers: Array<{ workers: string[] }> }> }
    return STREAMS.every((name) => {
      const view = status.signals.find((s) => s.name === name)
      return view !== undefined && JSON.stringify(view.workers.map((w) => w.id)) === JSON.stringify(before[name]) && view.packagers.filter((p) => p.workers.length === 1).length === 2
    })
  }, { timeoutMs: 20_000 })
  t.pass('the status page lists each signal with its 2 workers, one per packager')
  const players = STREAMS.map((s) => new HlsBrowserPlayer(`${origin}/${s}/playlist.m3u8`))
  const victimPackager = `http://127.0.0.1:${stack.ports.packagers.get(victim) ?? 0}`
  t.teardown(async () => { for (const p of players) await p.close() })
  for (const url of [...STREAMS.map((s) => `${origin}/${s}/playlist.m3u8`), `${victimPackager}/room1/playlist.m3u8`]) {
    await waitFor(`${url} to answer`, async () => (await fetch(url)).status === 200, { timeoutMs: 30_000 })
  }
  for (const p of players) await p.start()
  for (const p of players) await p.waitUntilPlaying(40_000)
  // a few segments of steady playback before the fault
  const steadyUntil = Date.now() + 4000
  await waitFor('steady playback', () => Date.now() > steadyUntil, { timeoutMs: 10_000 })

  const killedAt = Date.now()
  await stack.workers.get(victim)?.kill()
  t.comment(`${new Date(killedAt).toISOString()} SIGKILL ${victim} with its ffmpeg`)
  const after = await waitUntilFleetServes(stack, STREAMS, { timeoutMs: 40_000, without: victim })
  const replacedMs = Date.now() - killedAt
  for (const s of STREAMS) t.notOk(after[s]?.includes(victim), `${s} moved off ${victim} (now ${after[s]?.join(', ') ?? ''})`)
  t.comment(`every stream back on 2 workers with 2 healthy packagers ${replacedMs} ms after the kill`)
  // the viewers keep watching while the new copies line up behind the old ones
  const watchUntil = Date.now() + 8000
  await waitFor('the watch after the move', () => Date.now() > watchUntil, { timeoutMs: 20_000 })

  // the first reporter dies: every client moves to the second
  const reporterKilledAt = Date.now()
  await stack.reporters[0]?.kill()
  t.comment(`${new Date(reporterKilledAt).toISOString()} SIGKILL the first reporter`)
  const leader = async (): Promise<boolean> => /assigner_is_leader\{[^}]*\} 1/.test(await (await fetch(`http://127.0.0.1:${stack.ports.reporters[1] ?? 0}/metrics`)).text())
  await waitFor('the second reporter\'s assigner to hold the lease', leader, { timeoutMs: 20_000 })
  await waitFor('discovery and every worker writing to the second reporter', async () => {
    const ingests = await stack.get<Array<{ details: Array<{ reported_at: string }> }>>('/ingests', 1)
    const workers = await stack.get<Array<{ id: string, last_seen: string }>>('/workers', 1)
    const fresh = (iso: string): boolean => Date.parse(iso) > reporterKilledAt + 1000
    return ingests.length === STREAMS.length && ingests.every((i) => i.details.some((d) => fresh(d.reported_at))) &&
      workers.length === stack.workers.size - 1 && workers.every((w) => fresh(w.last_seen))
  }, { timeoutMs: 20_000 })
  t.same(await stack.placement(1), after, 'no stream moved when the reporter died')
  const watchMoreUntil = Date.now() + 5000
  await waitFor('the watch after the reporter died', () => Date.now() > watchMoreUntil, { timeoutMs: 20_000 })

  const seen = []
  for (const p of players) seen.push(await p.close())
  const newestAgeMs = async (url: string): Promise<number> => {
    const text = await (await fetch(url)).text()
    const pdts = [...text.matchAll(/#EXT-X-PROGRAM-DATE-TIME:(\S+)/g)].map((m) => Date.parse(m[1] ?? ''))
    return Date.now() - Math.max(...pdts)
  }
  const deadCopyAgeMs = await newestAgeMs(`${victimPackager}/room1/playlist.m3u8`)
  const servedAgeMs = await newestAgeMs(`${origin}/room1/playlist.m3u8`)
  for (const [i, report] of seen.entries()) {
    t.comment(`${STREAMS[i] ?? ''}: ${summary(report)}`)
    t.ok(report.began, `${STREAMS[i] ?? ''}: playing`)
    t.ok(report.progressRatio > 0.9, `${STREAMS[i] ?? ''}: the playhead kept up with the clock (${report.progressRatio.toFixed(3)})`)
    t.same(report.stalls, [], `${STREAMS[i] ?? ''}: 0 stalls`)
    t.same(report.errors.filter((e) => e.fatal), [], `${STREAMS[i] ?? ''}: 0 fatal player errors`)
    // hls.js may note a hole of a few milliseconds as it starts; from the fault on, nothing at all
    t.same(report.errors.filter((e) => e.at >= killedAt), [], `${STREAMS[i] ?? ''}: 0 player errors from the kill on`)
    t.same(report.httpErrors, [], `${STREAMS[i] ?? ''}: 0 HTTP errors`)
  }
  t.comment(`newest segment: ${servedAgeMs} ms old on the origin, ${deadCopyAgeMs} ms old on the dead worker's packager`)
  t.ok(deadCopyAgeMs > 8000, 'control: the dead copy stopped (a viewer of it alone would have frozen)')
  t.ok(servedAgeMs < 3 * 2000, 'the origin\'s playlist kept up with the clock')
})
