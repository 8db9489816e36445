/**
 * `npm run chaos:ingest` (the last part of `make chaos`): the publisher's faults (issue 14) on a
 * live push: two ingest nodes (main and backup), two fleet workers of `live01` (180p), their
 * packagers, discovery and the origin. Publishers push a counter video with ffmpeg, main to the
 * first ingest and backup to the second; hls.js in Chromium and the rule watcher watch through the
 * origin. Prints the chaos table (the ffmpeg columns stay 0: no ffmpeg client watches this phase).
 * Bounded: each fault CHAOS_REPEATS times (default 2); everything started is stopped at the end.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { startFleetStack, type FleetStack } from '../support/fleet-stack.js'
import { startPublisher, type Publisher } from '../support/live-publisher.js'
import { PlaylistWatcher } from '../support/playlist-watcher.js'
import { PROJECT_ROOT } from '../support/project-root.js'
import { waitFor } from '../support/wait-for.js'
import { makeCounterInput } from '../support/worker-test-helpers.js'
import { failingRows, formatTable } from './chaos-table.js'
import { envRepeats, tabulate, timeFault, type FaultRun } from './chaos-tabulate.js'
import { HlsBrowserPlayer } from './hls-player.js'

const STREAM = 'live01'
const KEY = `key-of-${STREAM}`
const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const say = (line: string): void => { process.stdout.write(`${new Date().toISOString().slice(11, 23)} ${line}\n`) }

/** The two publishers of the event, each restartable. */
class Publishers {
  readonly #input: string
  readonly #urls: Record<'main' | 'backup', string>
  readonly #running = new Map<'main' | 'backup', Publisher>()

  constructor (input: string, stack: FleetStack) {
    this.#input = input
    const [main, backup] = stack.ingests
    this.#urls = { main: `rtmp://127.0.0.1:${main?.rtmpPort ?? 0}/live/${KEY}`, backup: `rtmp://127.0.0.1:${backup?.rtmpPort ?? 0}/backup/${KEY}` }
  }

  start (role: 'main' | 'backup'): void {
    this.stop(role)
    this.#running.set(role, startPublisher(this.#input, this.#urls[role]))
  }

  stop (role: 'main' | 'backup'): void {
    this.#running.get(role)?.stop()
    this.#running.delete(role)
  }

  stopAll (): void {
    this.stop('main')
    this.stop('backup')
  }
}

/** How often every worker has logged `message` so far. */
function counts (stack: FleetStack, message: string): number[] {
  return [...stack.workers.values()].map((w) => w.recentOutput().split(message).length - 1)
}

/** Waits until every worker logged `message` once more than in `before`. */
async function everyWorkerLogs (stack: FleetStack, message: string, before: number[], timeoutMs = 60_000): Promise<void> {
  await waitFor(`every worker to log "${message}"`, () => counts(stack, message).every((n, i) => n > (before[i] ?? 0)), { timeoutMs, intervalMs: 250 })
}

/**
 * Waits until both publishes are on and their pulls are past their warm-up (a new pull's first MSN
 * comes some 12 s after its anchor; 16 s is past it), so a switch to the other one can happen.
 */
async function bothPublishesWarm (stack: FleetStack): Promise<void> {
  await waitFor('main and backup publishes anchored and warm', async () => {
    const publishes = await stack.get<Array<{ stream: string, role: string, anchor: { epoch_ms: number } | null }>>('/publishes')
    const anchors = ['main', 'backup'].map((role) => publishes.find((p) => p.stream === STREAM && p.role === role)?.anchor?.epoch_ms)
    return anchors.every((at) => at !== undefined && Date.now() > at + 16_000)
  }, { timeoutMs: 60_000, intervalMs: 500 })
}

interface IngestFault {
  readonly name: string
  readonly run: (stack: FleetStack, publishers: Publishers) => Promise<void>
}

const FAULTS: readonly IngestFault[] = [
  {
    name: 'publisher drops 15 s and returns (no backup: the slate)',
    run: async (stack, publishers) => {
      publishers.stop('backup')
      await sleep(3000)
      const away = counts(stack, 'publisher away')
      const back = counts(stack, 'publisher back')
      publishers.stop('main')
      await everyWorkerLogs(stack, 'publisher away', away)
      await sleep(15_000)
      publishers.start('main')
      await everyWorkerLogs(stack, 'publisher back', back)
      publishers.start('backup')
    }
  },
  {
    name: 'main publisher killed, a backup publish running; main back after 10 s',
    run: async (stack, publishers) => {
      await bothPublishesWarm(stack)
      const switched = counts(stack, 'switched publish')
      publishers.stop('main')
      await everyWorkerLogs(stack, 'switched publish', switched)
      await sleep(10_000)
      const again = counts(stack, 'switched publish')
      publishers.start('main')
      await everyWorkerLogs(stack, 'switched publish', again)
    }
  },
  {
    name: 'main ingest nginx SIGKILL, a backup publish running; main publisher back',
    run: async (stack, publishers) => {
      const ingest = stack.ingests[0]?.process
      const pid = [...(ingest?.recentOutput() ?? '').matchAll(/"pid":(\d+),"msg":"ingest nginx started"/g)].pop()?.[1]
      if (pid === undefined) throw new Error('the main ingest never said its nginx pid')
      await bothPublishesWarm(stack)
      const started = (ingest?.recentOutput() ?? '').split('"msg":"ingest nginx started"').length
      const switched = counts(stack, 'switched publish')
      process.kill(Number(pid), 'SIGKILL')
      await everyWorkerLogs(stack, 'switched publish', switched)
      await waitFor('the ingest to restart its nginx', () => (ingest?.recentOutput() ?? '').split('"msg":"ingest nginx started"').length > started, { timeoutMs: 30_000 })
      const again = counts(stack, 'switched publish')
      publishers.start('main')
      await everyWorkerLogs(stack, 'switched publish', again)
    }
  }
]

async function main (): Promise<number> {
  const repeats = envRepeats()
  const outDir = process.env.CHAOS_OUT ?? join(PROJECT_ROOT, '.local/chaos', `ingest-${new Date().toISOString().replace(/[:.]/g, '-')}`)
  await mkdir(outDir, { recursive: true })
  const state = { interrupted: false }
  process.once('SIGINT', () => { state.interrupted = true; say('interrupted: finishing the current fault, then cleaning up') })
  process.once('SIGTERM', () => { state.interrupted = true })
  say(`a live push: 2 ingests (main, backup), 2 workers of ${STREAM}; repeats=${repeats}, out=${outDir}`)
  const stack = await startFleetStack({ streams: [STREAM], workers: 2, capacity: 1, ladder: '180p:320x180:200', push: { keyPrefix: 'key-of', ingests: 2 } })
  const input = join(stack.dir, 'counter.mp4')
  const publishers = new Publishers(input, stack)
  let player: HlsBrowserPlayer | undefined
  let watcher: PlaylistWatcher | undefined
  try {
    await makeCounterInput(input, 8)
    const ready = counts(stack, 'publisher back')
    publishers.start('main')
    publishers.start('backup')
    await everyWorkerLogs(stack, 'publisher back', ready, 90_000)
    const entry = `http://127.0.0.1:${stack.ports.origin}/${STREAM}/playlist.m3u8`
    await waitFor(`${entry} to answer`, async () => (await fetch(entry)).status === 200, { timeoutMs: 30_000 })
    player = new HlsBrowserPlayer(entry)
    await player.start()
    await player.waitUntilPlaying(60_000)
    const plan = FAULTS.flatMap((f) => Array.from({ length: repeats }, () => f))
    watcher = new PlaylistWatcher(entry, { pollMs: 250, maxDurationMs: (120 + plan.length * 90) * 1000 })
    await watcher.start()
    const runs: FaultRun[] = []
    const baselineStart = Date.now()
    await sleep(10_000)
    runs.push({ name: 'ingest steady, no fault', informational: false, control: false, start: baselineStart, recovered: baselineStart, end: Date.now() })
    for (const fault of plan) {
      if (state.interrupted) break
      const { start, recovered, end } = await timeFault(fault.name, async () => await fault.run(stack, publishers), say)
      runs.push({ name: `ingest: ${fault.name}`, informational: false, control: false, start, recovered, end })
      say(`  recovered after ${((recovered - start) / 1000).toFixed(1)} s`)
    }
    const watcherReport = await watcher.stop()
    const report = await player.close()
    const rows = tabulate(runs, [report], [`hlsjs@${STREAM}`], [watcherReport], undefined, undefined)
    const failing = failingRows(rows)
    const ok = failing.length === 0 && report.began
    const footer = [
      '',
      `player: hlsjs@${STREAM} progress ${report.progressRatio.toFixed(3)} media s/s`,
      'ffmpeg and new-segment-gap columns: not measured in the ingest phase (no ffmpeg client, no age sampler); the rule watcher checks every playlist',
      ok ? 'RESULT: every must-be-zero cell is zero' : `RESULT: FAIL ${report.began ? '' : '(the player never started) '}${failing.map((f) => `${f.fault}: ${f.cells.join(', ')}`).join('; ')}`
    ].join('\n')
    const table = formatTable(rows)
    process.stdout.write(`\n${table}\n${footer}\n`)
    await writeFile(join(outDir, 'table.txt'), `${table}\n${footer}\n`)
    return ok ? 0 : 1
  } finally {
    await watcher?.stop().catch(() => {})
    await player?.close().catch(() => {})
    publishers.stopAll()
    await stack.stop()
    say('cleanup: publishers and the pipeline are stopped')
  }
}

main().then((code) => { process.exitCode = code }, (err: unknown) => {
  process.stderr.write(`chaos:ingest failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  process.exitCode = 1
})
