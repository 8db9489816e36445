/**
 * `make chaos-hosts`: the pipeline on separate hosts (network namespaces joined by a bridge, see
 * test/hosts/), with issue 16's network faults while hls.js in Chromium, ffmpeg and the rule watcher
 * play origin1's entry URL from the viewer host (the machine's own namespace). enc1's clock runs
 * 700 ms ahead for the whole run (libfaketime); at the end the two encoder hosts' segments are
 * compared picture by picture. Prints the chaos table; exits non-zero when a must-be-zero cell is
 * not zero, the control did not show, a packager behind the bad link flapped, the pictures differ,
 * or a namespace, link or process of the run is left. Needs root (ip netns, nft).
 *
 * CHAOS_REPEATS=1..5 (default 1), CHAOS_PLAYER_KINDS (default hlsjs), CHAOS_ONLY, CHAOS_OUT.
 */
import { chaosOutDir, cpuLine, envInt, envKinds, envOnly, interruptFlag, say, sayStrays } from './chaos-runner-kit.js'
import { watchFaults } from './chaos-watch.js'
import type { PlayerKind } from './hls-player.js'
import { CpuMeter } from './cpu-meter.js'
import { compareEncoderPictures } from '../hosts/clock-skew-check.js'
import { bothPackagersServe, hostFaults, liveEdgeUrls, type HostFaultNotes } from '../hosts/host-faults.js'
import { startHostsStack, type HostsStack } from '../hosts/hosts-stack.js'
import { waitFor } from '../support/wait-for.js'

const SKEW_MS = 700

/**
 * The players as README "Several hosts" tells viewers to set them up: a host that drops packets
 * silently can only be told by a timeout, so a request gives up after 3 s (1.5 target durations;
 * hls.js waits 10 s by default and Shaka Player 30 s, longer than the 8 s HOLD-BACK a player
 * buffers) and a timed-out request moves on instead of being retried on the same host. video.js
 * (VHS) has no such setting and plays with its own.
 */
const HLSJS_POLICY = {
  default: {
    maxTimeToFirstByteMs: 3000,
    maxLoadTimeMs: 8000,
    timeoutRetry: { maxNumRetry: 0, retryDelayMs: 0, maxRetryDelayMs: 0 },
    errorRetry: { maxNumRetry: 2, retryDelayMs: 500, maxRetryDelayMs: 2000 }
  }
}
const SHAKA_RETRY = { timeout: 3000, maxAttempts: 2, baseDelay: 200, backoffFactor: 1, fuzzFactor: 0 }
const PLAYER_CONFIG: Partial<Record<PlayerKind, Record<string, unknown>>> = {
  hlsjs: { playlistLoadPolicy: HLSJS_POLICY, fragLoadPolicy: HLSJS_POLICY },
  shaka: { streaming: { retryParameters: SHAKA_RETRY }, manifest: { retryParameters: SHAKA_RETRY } }
}
const playerConfig = (kind: PlayerKind): Record<string, unknown> | undefined => PLAYER_CONFIG[kind]

async function main (): Promise<number> {
  const repeats = envInt('CHAOS_REPEATS', 1, 1, 5)
  const kinds = envKinds('CHAOS_PLAYER_KINDS', ['hlsjs'])
  const keep = envOnly()
  const outDir = await chaosOutDir('hosts-')
  const interrupted = interruptFlag()
  const cpu = new CpuMeter()
  let stack: HostsStack | undefined
  let ok = false
  try {
    say(`building the hosts (enc1 clock +${SKEW_MS} ms); repeats=${repeats}, players=${kinds.join(', ')}, out=${outDir}`)
    cpu.start()
    stack = await startHostsStack({ enc1ClockAheadMs: SKEW_MS })
    const s = stack
    say(`hosts: ${[...s.topology.hosts.values()].map((h) => `${h.name}=${h.address}`).join(' ')}; viewer=${s.topology.viewerAddress}`)
    await bothPackagersServe(s, 90_000)
    await waitFor('origin1 to offer both edges', async () => {
      const master = await fetch(s.entry).then(async (r) => r.status === 200 ? await r.text() : '', () => '')
      const edges = await liveEdgeUrls(s).catch(() => [])
      return edges.length === 2 && edges.every((e) => master.includes(e))
    }, { timeoutMs: 60_000, intervalMs: 500 })
    say(`stack up at ${s.entry}; netem ${await s.topology.netemAvailable() ? 'available' : 'not in this kernel: the bad link is loss and a slow link (tbf)'}`)
    const notes: HostFaultNotes = {}
    const plan = hostFaults(s, notes).filter((f) => keep(f.name))
      .flatMap((f) => Array.from({ length: f.control === true ? 1 : repeats }, () => f))
    let pictures = ''
    let picturesOk = false
    const watched = await watchFaults({
      entry: s.entry, kinds, playersPerKind: 1, plan, outDir, steadyMs: 15_000, interrupted, say, playerConfig,
      footer: () => [cpuLine(cpu.stop()), pictures,
        notes.badLink === undefined ? 'bad link: not run' : `bad link: packagers went ineligible ${notes.badLink.drops} time(s) at the origins (must be 0); delay ${notes.badLink.delay === 'netem' ? 'by netem' : 'by tbf (no netem in this kernel): 1 Mbit/s out of enc2, up to 300 ms queued'}`]
    }).catch((err: unknown) => { say(`watching failed: ${err instanceof Error ? err.message : String(err)}`); return false })
    const skew = await compareEncoderPictures([s.url('packager1'), s.url('packager2')], 'live01/180p/playlist.m3u8', 4)
    picturesOk = skew.segments.length > 0 && skew.mismatched === 0
    pictures = `clock skew (enc1 +${SKEW_MS} ms): first picture per segment ${skew.segments.map((x) => `${x.uri.split('/').pop() ?? ''} ${x.enc1}/${x.enc2}`).join(', ')}: ${picturesOk ? 'the same on both encoder hosts' : 'DIFFERENT'}`
    say(pictures)
    ok = watched && picturesOk && (notes.badLink?.drops ?? 0) === 0
  } finally {
    const left = stack === undefined ? [] : await stack.stop()
    say(left.length === 0 ? 'cleanup: no namespace or link of this run is left' : `cleanup: LEFT BEHIND ${left.join(', ')}`)
    if (stack !== undefined) await sayStrays(stack.dir)
    if (left.length > 0) ok = false
  }
  return ok ? 0 : 1
}

process.exitCode = await main().catch((err: unknown) => {
  process.stderr.write(`chaos:hosts failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}\n`)
  return 2
})
