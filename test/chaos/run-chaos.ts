/**
 * `npm run chaos`: the fault matrix of docs/design.md (The proof) on the real local stack, watched through
 * the origin by browser players in headless Chromium (hls.js, Shaka Player and video.js with VHS,
 * one each by default), ffmpeg reading HLS and the rule-checking watcher.
 * Prints one row per fault and writes table.txt, plot.svg and report.json under .local/chaos/<time>/.
 * The delivery faults (an edge killed or hung, an origin replica killed) are `npm run chaos:delivery`.
 * Exits non-zero when a cell the design says must be zero is not (the origin restart row is shown
 * for information: one origin restarting cannot be invisible). Bounded: every fault runs
 * CHAOS_REPEATS times (default 2); everything started is stopped, by PID, at the end.
 *
 * CHAOS_REPEATS=1..5, CHAOS_PLAYERS=1..2 (per kind), CHAOS_PLAYER_KINDS=hlsjs,shaka,videojs (which
 * engines watch; the table's player columns are their sums, with stalls/fatal per player in the
 * last column), CHAOS_ONLY=server1,edge (substring filter on fault names), CHAOS_OUT=<dir>.
 * CHAOS_MODE=ll (`npm run chaos:ll`): the same matrix in LL-HLS mode (LL_VARIABLES, as
 * `make run-local-ll`), hls.js and Shaka Player in their low-latency modes by default.
 */
import { bothPackagersEligible, startLocalStack, type LocalStack } from '../support/local-stack.js'
import { waitFor } from '../support/wait-for.js'
import { chaosOutDir, cpuLine, envInt, envKinds, envOnly, interruptFlag, say, sayStrays, teardownScope } from './chaos-runner-kit.js'
import { watchFaults } from './chaos-watch.js'
import { managerEdges, type ManagerEdge } from './delivery-faults.js'
import { CpuMeter } from './cpu-meter.js'
import { outageFaults, type ChaosFault } from './outage-faults.js'
import { LL_VARIABLES } from '../../internal/local/local-components.js'
import { HLSJS_LL_CONFIG } from '../support/ll-stack.js'
import type { PlayerKind } from './hls-player.js'

/**
 * Each engine's low-latency mode, for CHAOS_MODE=ll (hls.js as the status page runs it). VHS's is
 * experimental, and video.js is not among the LL mode's default players: with it or without it, it
 * stalled at start and after an encoder restart where hls.js and Shaka Player did not.
 */
const LL_PLAYER_CONFIG: Readonly<Record<PlayerKind, Readonly<Record<string, unknown>> | undefined>> = {
  hlsjs: HLSJS_LL_CONFIG,
  shaka: { streaming: { lowLatencyMode: true } },
  videojs: { experimentalLLHLS: true }
}

/**
 * Faults longer than LL-HLS's reserve (PART-HOLD-BACK, 2 s) in LL mode: every packager frozen
 * 3 s leaves players nothing new for 3 s. Judged there by recovery: one stall per player, no
 * longer than the freeze and 2 s to refill. Normal mode's 8 s hold-back hides it.
 */
const BEYOND_LL_RESERVE: ReadonlyArray<{ readonly prefix: string, readonly allowedStall: NonNullable<Fault['allowedStall']> }> = [
  { prefix: 'every packager SIGSTOP 3 s', allowedStall: { perPlayer: 1, maxS: 5 } }
]

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

type Fault = ChaosFault


const liveEdges = async (stack: LocalStack): Promise<ManagerEdge[]> => await managerEdges(stack.url('edges'))

const killRestart = (name: 'server1' | 'server2' | 'worker2' | 'discovery' | 'reporter' | 'edges', downMs: number): Fault['run'] => async (stack) => {
  stack.procs[name].signal('SIGKILL')
  await sleep(downMs)
  await stack.procs[name].start()
}

function faultList (withEdges: boolean): Fault[] {
  const faults: Fault[] = [
    { name: 'server1 SIGKILL + restart', run: async (s) => { await killRestart('server1', 6000)(s); await bothPackagersEligible(s) } },
    { name: 'server2 SIGKILL + restart', run: async (s) => { await killRestart('server2', 6000)(s); await bothPackagersEligible(s) } },
    { name: 'server1 SIGSTOP 10 s + SIGCONT', run: async (s) => { s.procs.server1.signal('SIGSTOP'); await sleep(10_000); s.procs.server1.signal('SIGCONT'); await bothPackagersEligible(s) } },
    { name: 'server2 SIGSTOP 10 s + SIGCONT', run: async (s) => { s.procs.server2.signal('SIGSTOP'); await sleep(10_000); s.procs.server2.signal('SIGCONT'); await bothPackagersEligible(s) } },
    { name: 'worker2 SIGKILL + restart (redundant)', run: async (s) => { await killRestart('worker2', 8000)(s); await bothPackagersEligible(s) } },
    { name: 'discovery SIGKILL + restart', run: killRestart('discovery', 6000) },
    { name: 'reporter SIGKILL + restart', run: killRestart('reporter', 6000) }
  ]
  if (withEdges) {
    // an edge killed or hung, and an origin replica killed, with players on the edges: npm run chaos:delivery
    // restarted after 1 s, as a supervisor would: its edges keep serving meanwhile, and it must
    // heartbeat them again within EDGE_TTL (5 s) or the origin moves their segments
    faults.push({ name: 'edges manager SIGKILL + restart 1 s later', run: async (s) => { await killRestart('edges', 1000)(s); await waitFor('3 live edges', async () => (await liveEdges(s)).length >= 3, { timeoutMs: 45_000 }) } })
  }
  return faults
}

const ORIGIN_FAULT: Fault = {
  name: 'origin SIGKILL + restart (single origin)',
  informational: true,
  run: async (s) => { s.procs.origin.signal('SIGKILL'); await sleep(1000); await s.procs.origin.start() }
}

async function main (): Promise<number> {
  const repeats = envInt('CHAOS_REPEATS', 2, 1, 5)
  const playersPerKind = envInt('CHAOS_PLAYERS', 1, 1, 2)
  const ll = process.env.CHAOS_MODE === 'll'
  // the LL promise is to the engines with a low-latency mode (LL_PLAYER_CONFIG)
  const kinds = ll ? envKinds('CHAOS_PLAYER_KINDS', ['hlsjs', 'shaka']) : envKinds()
  const keep = envOnly()
  const outDir = await chaosOutDir(ll ? 'll-' : '')
  const { scope, runAll } = teardownScope()
  const interrupted = interruptFlag()
  const cpu = new CpuMeter()
  let stackDir = ''
  try {
    say(`starting the stack (redundant encoders, light ladder${ll ? ', LL-HLS' : ''}); repeats=${repeats}, players=${playersPerKind} x ${kinds.join(', ')}, out=${outDir}`)
    cpu.start()
    // the redundant profile (worker -> server1, worker2 -> server2) lets one stack take every fault
    const stack = await startLocalStack(scope, {
      redundantEncoders: true,
      ladder: '180p:320x180:200,144p:256x144:120',
      start: ['reporter', 'server1', 'server2', 'worker', 'worker2', 'discovery', 'origin', 'edges'],
      ...(ll ? { env: LL_VARIABLES } : {})
    })
    stackDir = stack.dir
    const entry = `${stack.url('origin')}/live01/playlist.m3u8`
    await waitFor('the origin to serve live01', async () => (await fetch(entry)).status === 200, { timeoutMs: 60_000 })
    await bothPackagersEligible(stack)
    const withEdges = await liveEdges(stack).then((e) => e.length > 0, () => false)
    say(`stack up at ${entry}; edges: ${withEdges ? (await liveEdges(stack)).map((e) => e.url).join(' ') : 'none'}`)

    const faults = [...faultList(withEdges), ...outageFaults(bothPackagersEligible, ll ? Number(LL_VARIABLES.SEGMENT_DURATION) : undefined), ORIGIN_FAULT].filter((f) => keep(f.name))
      .map((f) => {
        const beyond = ll && f.control !== true ? BEYOND_LL_RESERVE.find((b) => f.name.startsWith(b.prefix)) : undefined
        return beyond === undefined ? f : { ...f, name: `${f.name} (beyond LL reserve)`, allowedStall: beyond.allowedStall }
      })
    // one bounded plan: each fault `repeats` times; the informational rows, then the controls (made to
    // show, they may leave players shaken) come last, so the must-be-zero rows do not pay for them
    const plan = [
      ...faults.filter((f) => f.informational !== true && f.control !== true),
      ...faults.filter((f) => f.informational === true),
      ...faults.filter((f) => f.control === true)
    ].flatMap((f) => Array.from({ length: repeats }, () => ({ ...f, run: async () => await f.run(stack) })))
    const playerConfig = ll ? (kind: PlayerKind) => LL_PLAYER_CONFIG[kind] : undefined
    return await watchFaults({ entry, kinds, playersPerKind, plan, outDir, steadyMs: 15_000, interrupted, say, footer: () => [cpuLine(cpu.stop())], ...(playerConfig === undefined ? {} : { playerConfig }) }) ? 0 : 1
  } finally {
    await runAll()
    await sayStrays(stackDir)
  }
}

process.exitCode = await main().catch((err: unknown) => {
  process.stderr.write(`chaos run failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  return 2
})
