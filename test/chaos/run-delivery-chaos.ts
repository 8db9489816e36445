/**
 * `npm run chaos:delivery` (part of `make chaos`): issue 15's faults with every player on the edges.
 * hls.js, Shaka Player and video.js in headless Chromium, ffmpeg reading HLS and the rule watcher
 * open origin replica a's entry URL and play from the edges it offers as Content Steering pathways:
 * three edges advertised as 127.0.0.1 and two as localhost (a second edge host: Shaka Player bans a
 * failed host name with every port on it). The edges fill from origin a, then origin b. Faults: the
 * edge most players use SIGKILLed, then hung 20 s; origin a SIGKILLed and restarted; and a control
 * that freezes every pathway. A request that fails at the very server a fault took down is counted
 * apart ("HTTP err at faulted host"): it is how a player learns to move; any other is a must-be-zero
 * HTTP error. Bounded: CHAOS_REPEATS (default 2) of each; everything started is stopped by PID.
 *
 * CHAOS_REPEATS=1..5, CHAOS_PLAYERS=1..2 (per kind), CHAOS_PLAYER_KINDS, CHAOS_ONLY, CHAOS_OUT.
 */
import { startLocalStack } from '../support/local-stack.js'
import { distinctReplicaHosts } from '../support/origin-replicas-death.js'
import { waitFor } from '../support/wait-for.js'
import { chaosOutDir, cpuLine, envInt, envKinds, envOnly, interruptFlag, say, sayStrays, teardownScope } from './chaos-runner-kit.js'
import { watchFaults } from './chaos-watch.js'
import { CpuMeter } from './cpu-meter.js'
import { deliveryFaults, edgeHosts, managerEdges } from './delivery-faults.js'

const rank = (f: { informational?: boolean, control?: boolean }): number => f.control === true ? 2 : f.informational === true ? 1 : 0

async function main (): Promise<number> {
  const repeats = envInt('CHAOS_REPEATS', 2, 1, 5)
  const playersPerKind = envInt('CHAOS_PLAYERS', 1, 1, 2)
  const kinds = envKinds()
  const keep = envOnly()
  const outDir = await chaosOutDir('delivery-')
  const { scope, runAll } = teardownScope()
  const interrupted = interruptFlag()
  const cpu = new CpuMeter()
  let stackDir = ''
  try {
    say(`starting the stack (two origin replicas, edges on two host names); repeats=${repeats}, players=${playersPerKind} x ${kinds.join(', ')}, out=${outDir}`)
    cpu.start()
    const stack = await startLocalStack(scope, {
      originReplicas: true,
      secondEdgeHost: true,
      ladder: '180p:320x180:200,144p:256x144:120',
      start: ['reporter', 'server1', 'server2', 'worker', 'discovery']
    })
    stackDir = stack.dir
    const hosts = distinctReplicaHosts(stack)
    await Promise.all((['origin', 'origin2', 'edges', 'edges2'] as const).map(async (name) => { await stack.procs[name].start() }))
    const entry = `${hosts.a}/live01/playlist.m3u8`
    await waitFor('origin a to offer all five edges', async () => {
      const master = await (await fetch(entry)).text()
      const edges = (await Promise.all(edgeHosts(stack).map(async (h) => await managerEdges(stack.url(h.manager))))).flat()
      return edges.length === 5 && edges.every((e) => master.includes(e.url))
    }, { timeoutMs: 90_000, intervalMs: 500 })
    say(`stack up at ${entry}`)
    const plan = deliveryFaults(stack).filter((f) => keep(f.name))
      // the informational row, then the control, come after the must-be-zero rows
      .sort((a, b) => rank(a) - rank(b))
      .flatMap((f) => Array.from({ length: f.control === true ? 1 : repeats }, () => f))
    return await watchFaults({ entry, kinds, playersPerKind, plan, outDir, steadyMs: 15_000, interrupted, say, footer: () => [cpuLine(cpu.stop())] }) ? 0 : 1
  } finally {
    await runAll()
    await sayStrays(stackDir)
  }
}

process.exitCode = await main().catch((err: unknown) => {
  process.stderr.write(`chaos:delivery failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  return 2
})
