import t from 'tap'
import { isProcessRunning } from '../../../internal/edges/process-tools.js'
import { HlsBrowserPlayer, type PlayerKind } from '../hls-player.js'
import { startLocalStack } from '../../support/local-stack.js'
import { waitFor } from '../../support/wait-for.js'

// Issue 15, check 2 in part: browser players watch through the origin's entry URL (edges as
// Content Steering pathways) while the edge they play from is SIGKILLed, then SIGSTOPped (hung)
// for 20 s. `make test-long`; the short hls.js SIGKILL run is in edges-origin.test.ts. Shaka Player
// is left out: it bans a failed host name with every port on it, and these edges share 127.0.0.1.
t.setTimeout(900_000)

interface ManagerEdge { port: number, url: string, state: string, nginxPid: number, watchdogPid: number }
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

t.test('a player\'s edge killed, then hung for 20 s: hls.js and video.js play on', async (t) => {
  const stack = await startLocalStack(t, { start: ['reporter', 'server1', 'server2', 'worker', 'discovery', 'origin', 'edges'] })
  const entry = `${stack.url('origin')}/live01/playlist.m3u8`
  const liveEdges = async (): Promise<ManagerEdge[]> => ((await (await fetch(`${stack.url('edges')}/edges`)).json()) as ManagerEdge[]).filter((e) => e.state === 'live')
  await waitFor('3 live edges offered', async () => {
    const edges = await liveEdges()
    const text = await (await fetch(entry)).text()
    return edges.length === 3 && edges.every((e) => text.includes(e.url))
  }, { timeoutMs: 90_000, intervalMs: 500 })

  for (const kind of ['hlsjs', 'videojs'] as PlayerKind[]) {
    for (const fault of ['SIGKILL', 'SIGSTOP'] as const) {
      await t.test(`${kind}: its edge ${fault === 'SIGKILL' ? 'SIGKILLed' : 'hung (SIGSTOP) 20 s'}`, async (t) => {
        const player = new HlsBrowserPlayer(entry, { kind })
        t.teardown(async () => { await player.close() })
        await player.start()
        await player.waitUntilPlaying(40_000)
        await sleep(6000)
        const host = player.servedBySoFar().filter((s) => s.host !== new URL(entry).host).sort((a, b) => b.last - a.last)[0]?.host
        const edge = (await liveEdges()).find((e) => new URL(e.url).host === host)
        if (edge === undefined) throw new Error(`no live edge serves the player (${host ?? 'none'})`)
        t.ok(isProcessRunning(edge.nginxPid, stack.edgesDir), `the player's edge (port ${edge.port}) is this stack's`)
        const at = Date.now()
        if (fault === 'SIGKILL') process.kill(edge.nginxPid, 'SIGKILL')
        else process.kill(-edge.watchdogPid, 'SIGSTOP')
        await sleep(20_000)
        if (fault === 'SIGSTOP') { try { process.kill(-edge.watchdogPid, 'SIGCONT') } catch {} }
        await sleep(8000)
        const report = await player.close()
        t.comment(JSON.stringify({
          kind, fault, port: edge.port,
          stalls: report.stalls.map((s) => ({ at: s.at - at, ms: s.ms })),
          errors: report.errors.map((e) => `${e.at - at} ${e.details}${e.fatal ? ' FATAL' : ''}`).slice(0, 6),
          servedBy: report.servedBy.map((s) => ({ host: s.host, first: s.first - at, last: s.last - at, count: s.count })),
          progress: Number(report.progressRatio.toFixed(3))
        }))
        t.same(report.stalls, [], `${kind}: 0 stalls`)
        t.same(report.errors.filter((e) => e.fatal), [], `${kind}: 0 fatal errors`)
        await waitFor('3 live edges again', async () => (await liveEdges()).length === 3, { timeoutMs: 30_000, intervalMs: 500 })
      })
    }
  }
})
