import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { PlaylistWatcher } from '../support/playlist-watcher.js'
import { renderPlot, type PlotMarker } from './chaos-plot.js'
import { failingRows, formatTable } from './chaos-table.js'
import { tabulate, timeFault, type FaultRun } from './chaos-tabulate.js'
import { FfmpegHlsClient } from './ffmpeg-client.js'
import { HlsBrowserPlayer, type PlayerKind, type PlayerReport } from './hls-player.js'
import type { ChaosFault } from './outage-faults.js'
import { PlaylistAgeSampler } from './playlist-age-sampler.js'

/** What a fault may read of the clients watching: each browser player's latest serving host (host:port). */
export interface ClientsView {
  readonly playerHosts: () => string[]
  /** host:port ffmpeg reads from: it has no steering, so it stays on its first edge. */
  readonly ffmpegHost: () => string | undefined
}

/** A fault of the plan, bound to its stack. */
export type PlannedFault = Omit<ChaosFault, 'run'> & { readonly run: (clients: ClientsView) => ReturnType<ChaosFault['run']> }

export interface WatchedFaults {
  /** What every client opens: the browser players, ffmpeg, the rule watcher and the playlist-age sampler. */
  readonly entry: string
  readonly kinds: readonly PlayerKind[]
  readonly playersPerKind: number
  readonly plan: readonly PlannedFault[]
  readonly outDir: string
  readonly steadyMs: number
  readonly interrupted: () => boolean
  readonly say: (line: string) => void
  /** Options for a player engine (hls.js config, Shaka configure(), VHS options); none by default. */
  readonly playerConfig?: (kind: PlayerKind) => Readonly<Record<string, unknown>> | undefined
  /** More footer lines (machine CPU, ...), asked for once every client has stopped. */
  readonly footer?: () => string[]
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }

/**
 * The chaos suite's watching half: browser players of each kind, ffmpeg reading HLS, the rule
 * watcher and the playlist-age sampler on `entry`; a steady row, then each fault of the plan timed
 * into its own row. Prints the table and writes table.txt, plot.svg and report.json to outDir.
 * Resolves true when every must-be-zero cell is zero, every control showed and every player began.
 * Every client it started is stopped before it returns.
 */
export async function watchFaults (run: WatchedFaults): Promise<boolean> {
  const { entry, say } = run
  const players: HlsBrowserPlayer[] = []
  const labels: string[] = []
  const recordSeconds = 120 + run.plan.length * 60
  const ffmpeg = new FfmpegHlsClient(entry, join(run.outDir, 'ffmpeg-recording.ts'), recordSeconds)
  const sampler = new PlaylistAgeSampler(entry)
  const watcher = new PlaylistWatcher(entry, { pollMs: 250, maxDurationMs: recordSeconds * 1000 })
  try {
    for (const kind of run.kinds) {
      for (let i = 0; i < run.playersPerKind; i++) {
        const config = run.playerConfig?.(kind)
        const player = new HlsBrowserPlayer(entry, { kind, ...(config === undefined ? {} : { config }) })
        players.push(player)
        labels.push(`${kind}#${i + 1}`)
        await player.start()
      }
    }
    await Promise.all(players.map(async (p) => await p.waitUntilPlaying(60_000)))
    say(`${players.length} browser player(s) playing: ${labels.join(', ')}`)
    ffmpeg.start()
    sampler.start()
    await watcher.start()

    const clients: ClientsView = {
      playerHosts: () => players.flatMap((p) => [...p.servedBySoFar()].sort((a, b) => b.last - a.last).slice(0, 1).map((s) => s.host)),
      ffmpegHost: () => ffmpeg.readingFrom
    }
    const runs: FaultRun[] = []
    const baselineStart = Date.now()
    await sleep(run.steadyMs)
    runs.push({ name: 'steady, no fault', informational: false, control: false, start: baselineStart, recovered: baselineStart, end: Date.now() })
    for (const fault of run.plan) {
      if (run.interrupted()) break
      const timed = await timeFault(fault.name, async () => await fault.run(clients), say)
      runs.push({ name: fault.name, informational: fault.informational === true, control: fault.control === true, ...(fault.allowedStall === undefined ? {} : { allowedStall: fault.allowedStall }), ...timed })
      say(`  recovered after ${((timed.recovered - timed.start) / 1000).toFixed(1)} s${timed.faultedHosts === undefined ? '' : `; it took down ${timed.faultedHosts.join(' ')}`}`)
    }

    const watcherReport = await watcher.stop()
    sampler.close()
    const playerReports: PlayerReport[] = []
    for (const p of players) playerReports.push(await p.close())
    const ffmpegReport = await ffmpeg.close()

    const rows = tabulate(runs, playerReports, labels, [watcherReport], ffmpegReport, sampler)
    const table = formatTable(rows)
    const failing = failingRows(rows)
    const started = playerReports.every((p) => p.began)
    const footer = [
      '',
      `players: ${playerReports.map((p, i) => `${labels[i] ?? `#${i + 1}`} progress ${p.progressRatio.toFixed(3)} media s/s, dropped frames ${p.droppedFrames}/${p.totalFrames}, aborted requests ${p.abortedRequests}, served by ${p.servedBy.map((s) => `${s.host} (${s.count})`).join(' ')}`).join('; ')}`,
      ...(run.footer?.() ?? []),
      `watcher: ${watcherReport.polls} reloads, ${watcherReport.segmentsFetched} segments fetched, discontinuities ${watcherReport.discontinuities.length}`,
      `ffmpeg: exit ${String(ffmpegReport.exitCode)}, ${ffmpegReport.packets} video packets over ${ffmpegReport.durationS.toFixed(1)} s, frame ${(ffmpegReport.frameDurationS * 1000).toFixed(1)} ms, ${ffmpegReport.gaps.length} gaps (largest ${Math.max(0, ...ffmpegReport.gaps.map((g) => g.gapS)).toFixed(2)} s)`,
      failing.length === 0 && started ? 'RESULT: every must-be-zero cell is zero' : `RESULT: FAIL ${started ? '' : '(a player never started) '}${failing.map((f) => `${f.fault}: ${f.cells.join(', ')}`).join('; ')}`
    ].join('\n')
    process.stdout.write(`\n${table}\n${footer}\n`)
    await writeFile(join(run.outDir, 'table.txt'), `${table}\n${footer}\n`)

    const markers: PlotMarker[] = runs.slice(1).map((r) => ({ at: r.start, until: r.recovered, label: r.name }))
    const first = playerReports[0]
    const svg = renderPlot(`chaos: player buffer and origin playlist age (${new Date(baselineStart).toISOString()})`, [
      { name: `player ${labels[0] ?? '#1'} buffer ahead (s)`, color: '#1f77b4', points: (first?.samples ?? []).map((s) => ({ at: s.at, value: s.bufferAhead })) },
      { name: 'origin playlist age (s)', color: '#ff7f0e', points: sampler.samples.filter((s) => s.ageS !== undefined).map((s) => ({ at: s.at, value: s.ageS as number })) },
      ...playerReports.flatMap((p, i) => p.stalls.length === 0 ? [] : [{ name: `player ${labels[i] ?? `#${i + 1}`} stalls`, color: '#d62728', points: p.stalls.flatMap((s) => [{ at: s.at, value: 0 }, { at: s.at + s.ms, value: 0 }]) }])
    ], markers)
    await writeFile(join(run.outDir, 'plot.svg'), svg)
    await writeFile(join(run.outDir, 'report.json'), JSON.stringify({
      runs,
      rows,
      players: playerReports.map((p) => ({ ...p, samples: p.samples.length })),
      watcher: { ...watcherReport, hostsByMsn: undefined, violations: watcherReport.violations.slice(0, 50), httpErrors: watcherReport.httpErrors.slice(0, 50) },
      ffmpeg: { ...ffmpegReport, warnings: ffmpegReport.warnings.slice(0, 200) }
    }, null, 2))
    say(`wrote ${join(run.outDir, 'table.txt')}, plot.svg, report.json`)
    return failing.length === 0 && started
  } finally {
    await watcher.stop().catch(() => {})
    sampler.close()
    for (const p of players) await p.close().catch(() => {})
    await ffmpeg.close().catch(() => {})
  }
}
