/**
 * `npm run chaos:fleet` (the second half of `make chaos`): the fleet's faults (issue 13) on the
 * fleet of `make run-local-multi`, smaller: Redis, two reporters, three workers of capacity 2 with
 * two streams (redundancy 2), a packager per worker, discovery and the origin; then the same on a
 * Sentinel set, whose master is SIGKILLed. hls.js in Chromium
 * and the rule watcher watch each stream through the origin. Prints the chaos table (the ffmpeg
 * columns stay 0: no ffmpeg client watches this phase) and one line per fault on placements:
 * a Redis or reporter fault must move no stream. Bounded: each fault CHAOS_REPEATS times (default
 * 2); everything started is stopped at the end.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startFleetStack, waitUntilFleetServes, type FleetStack } from '../support/fleet-stack.js'
import { PlaylistWatcher } from '../support/playlist-watcher.js'
import { PROJECT_ROOT } from '../support/project-root.js'
import { waitFor } from '../support/wait-for.js'
import { failingRows, formatTable } from './chaos-table.js'
import { envRepeats, tabulate, timeFault, type FaultRun } from './chaos-tabulate.js'
import { HlsBrowserPlayer, type PlayerReport } from './hls-player.js'

const STREAMS = ['room1', 'room2']
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const say = (line: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`) }

interface FleetFault {
  readonly name: string
  /** The placement must be the same after the fault (the control plane failed, not an encoder). */
  readonly placementKept: boolean
  readonly run: (stack: FleetStack) => Promise<void>
}

const redisDown = (downMs: number): FleetFault['run'] => async (stack) => {
  await stack.redis.kill('SIGKILL')
  await sleep(downMs)
  await stack.redis.restart()
  await waitUntilFleetServes(stack, STREAMS, { timeoutMs: 60_000 })
}

const FAULTS: readonly FleetFault[] = [
  {
    name: 'fleet worker SIGKILL (its ffmpeg too), restarted after the move',
    placementKept: false,
    run: async (stack) => {
      const placement = await stack.placement()
      const load = (id: string): number => Object.values(placement).filter((ids) => ids.includes(id)).length
      const victim = [...stack.workers.keys()].sort((a, b) => load(b) - load(a))[0] ?? 'w1'
      const worker = stack.workers.get(victim)
      await worker?.kill()
      await waitUntilFleetServes(stack, STREAMS, { timeoutMs: 60_000, without: victim })
      await worker?.start()
      await waitFor(`${victim} registered again`, async () => (await stack.get<Array<{ id: string }>>('/workers')).some((w) => w.id === victim), { timeoutMs: 30_000 })
    }
  },
  { name: 'Redis SIGKILL + restart (empty)', placementKept: true, run: redisDown(1000) },
  { name: 'Redis away 30 s', placementKept: true, run: redisDown(30_000) },
  {
    name: 'reporter SIGKILL + restart (one of two)',
    placementKept: true,
    run: async (stack) => {
      await stack.reporters[0]?.kill()
      await sleep(5000)
      await stack.reporters[0]?.start()
    }
  }
]

/** The Sentinel phase: the master dies, the sentinels promote the replica, every reporter follows. */
const SENTINEL_FAULTS: readonly FleetFault[] = [
  {
    name: 'Redis master SIGKILL (Sentinel promotes the replica), old master back as a replica',
    placementKept: true,
    run: async (stack) => {
      const set = stack.sentinel
      if (set === undefined) throw new Error('no Sentinel set')
      const port = await set.currentMasterPort()
      const master = [set.master, set.replica].find((server) => server.port === port)
      if (master === undefined) throw new Error(`no server of the set on the master port ${port}`)
      await master.kill('SIGKILL')
      await waitFor('the sentinels to promote the replica', async () => (await set.currentMasterPort().catch(() => port)) !== port, { timeoutMs: 30_000, intervalMs: 200 })
      await waitUntilFleetServes(stack, STREAMS, { timeoutMs: 60_000 })
      // back as it was started; the sentinels make it a replica of the new master
      await master.restart()
    }
  }
]

interface PhaseResult {
  readonly rows: ReturnType<typeof tabulate>
  readonly placementLines: readonly string[]
  readonly moved: number
  readonly players: readonly PlayerReport[]
}

async function main (): Promise<number> {
  const repeats = envRepeats()
  const only = (process.env.CHAOS_ONLY ?? '').split(',').map((s) => s.trim()).filter((s) => s !== '')
  const outDir = process.env.CHAOS_OUT ?? join(PROJECT_ROOT, '.local/chaos', `fleet-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  await mkdir(outDir, { recursive: true })
  const state = { interrupted: false }
  process.once('SIGINT', () => { state.interrupted = true; say('interrupted: finishing the current fault, then cleaning up') })
  process.once('SIGTERM', () => { state.interrupted = true })
  const pick = (faults: readonly FleetFault[]): FleetFault[] => faults.filter((f) => only.length === 0 || only.some((o) => f.name.includes(o)))
  const phases: PhaseResult[] = []
  say(`the fleet on one Redis (2 reporters, 3 workers, ${STREAMS.length} streams); repeats=${repeats}, out=${outDir}`)
  phases.push(await runPhase({ streams: STREAMS, workers: 3, capacity: 2, reporters: 2 }, pick(FAULTS), repeats, state))
  if (!state.interrupted && pick(SENTINEL_FAULTS).length > 0) {
    say('the fleet on a Sentinel set (master, replica, three sentinels)')
    phases.push(await runPhase({ streams: STREAMS, workers: 3, capacity: 2, reporters: 2, sentinel: true }, pick(SENTINEL_FAULTS), repeats, state))
  }
  const rows = phases.flatMap((p) => p.rows)
  const failing = failingRows(rows)
  const started = phases.every((p) => p.players.every((r) => r.began))
  const moved = phases.reduce((n, p) => n + p.moved, 0)
  const ok = failing.length === 0 && started && moved === 0
  const footer = [
    '',
    ...phases.flatMap((p) => p.placementLines).map((l) => `placement: ${l}`),
    `players: ${phases.flatMap((p) => p.players).map((p, i) => `hlsjs@${STREAMS[i % STREAMS.length] ?? ''} progress ${p.progressRatio.toFixed(3)} media s/s`).join('; ')}`,
    'ffmpeg and new-segment-gap columns: not measured in the fleet phase (no ffmpeg client, no age sampler); the rule watchers check every playlist',
    ok ? 'RESULT: every must-be-zero cell is zero, and no control-plane fault moved a stream' : `RESULT: FAIL ${started ? '' : '(a player never started) '}${failing.map((f) => `${f.fault}: ${f.cells.join(', ')}`).join('; ')}${moved > 0 ? ` ${moved} control-plane fault(s) moved a stream` : ''}`
  ].join('\n')
  const table = formatTable(rows)
  process.stdout.write(`\n${table}\n${footer}\n`)
  await writeFile(join(outDir, 'table.txt'), `${table}\n${footer}\n`)
  return ok ? 0 : 1
}

/** One fleet with players and watchers on every stream, each fault `repeats` times, then stopped. */
async function runPhase (options: Parameters<typeof startFleetStack>[0], faults: readonly FleetFault[], repeats: number, state: { interrupted: boolean }): Promise<PhaseResult> {
  const stack = await startFleetStack(options)
  const players: HlsBrowserPlayer[] = []
  const watchers: PlaylistWatcher[] = []
  try {
    await waitUntilFleetServes(stack, STREAMS)
    const origin = `http://127.0.0.1:${stack.ports.origin}`
    for (const stream of STREAMS) {
      const entry = `${origin}/${stream}/playlist.m3u8`
      await waitFor(`${entry} to answer`, async () => (await fetch(entry)).status === 200, { timeoutMs: 30_000 })
      const player = new HlsBrowserPlayer(entry)
      players.push(player)
      await player.start()
    }
    await Promise.all(players.map(async (p) => await p.waitUntilPlaying(60_000)))
    const plan = faults.flatMap((f) => Array.from({ length: repeats }, () => f))
    for (const stream of STREAMS) {
      const watcher = new PlaylistWatcher(`${origin}/${stream}/playlist.m3u8`, { pollMs: 250, maxDurationMs: (120 + plan.length * 90) * 1000 })
      watchers.push(watcher)
      await watcher.start()
    }
    say(`players and watchers on ${STREAMS.join(', ')}`)
    const tag = options.sentinel === true ? 'fleet (Sentinel)' : 'fleet'
    const runs: FaultRun[] = []
    const placementLines: string[] = []
    const baselineStart = Date.now()
    await sleep(10_000)
    runs.push({ name: `${tag} steady, no fault`, informational: false, control: false, start: baselineStart, recovered: baselineStart, end: Date.now() })
    let moved = 0
    for (const fault of plan) {
      if (state.interrupted) break
      const before = await stack.placement(1)
      const { start, recovered, end } = await timeFault(fault.name, async () => await fault.run(stack), say)
      runs.push({ name: `${tag}: ${fault.name}`, informational: false, control: false, start, recovered, end })
      const after = await stack.placement(1)
      const changed = STREAMS.filter((s) => JSON.stringify(before[s]) !== JSON.stringify(after[s]))
      if (fault.placementKept && changed.length > 0) moved++
      placementLines.push(`${fault.name}: ${changed.length === 0 ? 'no stream moved' : `moved ${changed.map((s) => `${s} ${before[s]?.join('+') ?? ''} -> ${after[s]?.join('+') ?? ''}`).join(', ')}`}${fault.placementKept ? ' (must move none)' : ''}`)
      say(`  recovered after ${((recovered - start) / 1000).toFixed(1)} s; ${placementLines.at(-1) ?? ''}`)
    }
    const watcherReports = []
    for (const w of watchers) watcherReports.push(await w.stop())
    const playerReports: PlayerReport[] = []
    for (const p of players) playerReports.push(await p.close())
    return { rows: tabulate(runs, playerReports, STREAMS.map((s) => `hlsjs@${s}`), watcherReports, undefined, undefined), placementLines, moved, players: playerReports }
  } finally {
    for (const w of watchers) await w.stop().catch(() => {})
    for (const p of players) await p.close().catch(() => {})
    await stack.stop()
    say('cleanup: the fleet is stopped')
  }
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`chaos:fleet failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
