// Issue 16's fault matrix over the hosts of hosts-stack.ts, as chaos rows: links down, a one-way
// partition, a bad link, the registry away, and an origin or the edges host cut off from the
// viewer. The control cuts both encoder hosts off at once: players must show it.
import { waitFor } from '../support/wait-for.js'
import type { FaultEffect } from '../chaos/chaos-tabulate.js'
import type { PlannedFault } from '../chaos/chaos-watch.js'
import type { HostsStack } from './hosts-stack.js'

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const hostPort = (url: string): string => new URL(url).host

/** Both encoder hosts' packagers healthy again for live01, as reporter1 lists them. */
export async function bothPackagersServe (stack: HostsStack, timeoutMs = 60_000): Promise<void> {
  await waitFor('both packagers healthy for live01 again', async () => {
    const ingests = await (await fetch(`${stack.url('reporter1')}/ingests`, { signal: AbortSignal.timeout(2000) })).json() as Array<{ signal: string, packagers: string[] }>
    return ingests.find((i) => i.signal === 'live01')?.packagers.length === 2
  }, { timeoutMs, intervalMs: 500 })
}

/** The live edges the edges host's manager lists. */
export async function liveEdgeUrls (stack: HostsStack): Promise<string[]> {
  const edges = await (await fetch(`${stack.url('edges')}/edges`, { signal: AbortSignal.timeout(2000) })).json() as Array<{ url: string, state: string }>
  return edges.filter((e) => e.state === 'live').map((e) => e.url)
}

/**
 * Samples each origin's eligibility of every packager (origin_packager_eligible) every 500 ms until
 * stopped, and counts the times one went from eligible to not: a slow but alive packager must not flap.
 */
export function watchEligibility (stack: HostsStack): { stop: () => Promise<number> } {
  const last = new Map<string, number>()
  let drops = 0
  let running = true
  const loop = (async () => {
    while (running) {
      for (const origin of ['origin1', 'origin2'] as const) {
        const text = await fetch(`${stack.url(origin)}/metrics`, { signal: AbortSignal.timeout(2000) }).then(async (r) => await r.text(), () => '')
        for (const m of text.matchAll(/^origin_packager_eligible\{signal="live01",packager="([^"]+)"\} (\d)$/gm)) {
          const key = `${origin} ${m[1] ?? ''}`
          const value = Number(m[2])
          if (last.get(key) === 1 && value === 0) drops++
          last.set(key, value)
        }
      }
      await sleep(500)
    }
  })()
  return { stop: async () => { running = false; await loop; return drops } }
}

const FAULT_MS = 20_000
const LONG_FAULT_MS = 30_000

export interface HostFaultNotes {
  /** Eligibility drops during the bad link, and how its delay was made (netem, or tbf's queue). */
  badLink?: { drops: number, delay: 'netem' | 'tbf' }
}

export function hostFaults (stack: HostsStack, notes: HostFaultNotes): PlannedFault[] {
  const t = stack.topology
  const addr = (h: string): string => t.host(h).address
  const withEdges = t.hosts.has('edges')
  const faults: PlannedFault[] = [
    {
      name: `enc1 link down ${FAULT_MS / 1000} s (cut off from both origins and everyone)`,
      run: async (): Promise<FaultEffect> => {
        await t.linkDown('enc1')
        await sleep(FAULT_MS)
        await t.heal('enc1')
        await bothPackagersServe(stack)
        return { faultedHosts: [hostPort(stack.url('packager1'))] }
      }
    },
    {
      name: `one-way partition ${FAULT_MS / 1000} s: both origins -> enc2 dropped, enc2 -> origins flowing`,
      run: async (): Promise<FaultEffect> => {
        await t.block('origin1', [addr('enc2')], 'out')
        await t.block('origin2', [addr('enc2')], 'out')
        await sleep(FAULT_MS)
        await t.heal('origin1')
        await t.heal('origin2')
        await bothPackagersServe(stack)
        return { faultedHosts: [hostPort(stack.url('packager2'))] }
      }
    },
    {
      name: `enc2 bad link ${LONG_FAULT_MS / 1000} s: 3% loss each way, 300 ms +- 50 ms delay (netem) or 1 Mbit/s queueing up to 300 ms (tbf)`,
      run: async (): Promise<FaultEffect> => {
        const eligibility = watchEligibility(stack)
        const applied = await t.degrade('enc2', { delayMs: 300, jitterMs: 50, lossPercent: 3, slowKbit: 1000 })
        await sleep(LONG_FAULT_MS)
        await t.heal('enc2')
        notes.badLink = { drops: (notes.badLink?.drops ?? 0) + await eligibility.stop(), delay: applied.delay }
        await bothPackagersServe(stack)
        return { faultedHosts: [] }
      }
    },
    {
      name: `registry host link down ${LONG_FAULT_MS / 1000} s (Redis cut off from everyone)`,
      run: async (): Promise<FaultEffect> => {
        await t.linkDown('registry')
        await sleep(LONG_FAULT_MS)
        await t.heal('registry')
        await bothPackagersServe(stack)
        return { faultedHosts: [] }
      }
    },
    {
      name: `origin1 host cut off from the viewer ${FAULT_MS / 1000} s`,
      run: async (): Promise<FaultEffect> => {
        await t.block('origin1', [t.viewerAddress], 'both')
        await sleep(FAULT_MS)
        await t.heal('origin1')
        return { faultedHosts: [hostPort(stack.url('origin1')), hostPort(stack.url('reporter1'))] }
      }
    }
  ]
  if (withEdges) {
    faults.push({
      name: `edges host cut off from the viewer ${FAULT_MS / 1000} s (players move to the origins)`,
      run: async (): Promise<FaultEffect> => {
        const edges = await liveEdgeUrls(stack)
        await t.block('edges', [t.viewerAddress], 'both')
        await sleep(FAULT_MS)
        await t.heal('edges')
        return { faultedHosts: [...edges.map(hostPort), hostPort(stack.url('edges'))] }
      }
    })
  }
  faults.push({
    name: `control: both encoder hosts link down ${FAULT_MS / 1000} s`,
    control: true,
    run: async (): Promise<FaultEffect> => {
      await t.linkDown('enc1')
      await t.linkDown('enc2')
      await sleep(FAULT_MS)
      await t.heal('enc1')
      await t.heal('enc2')
      await bothPackagersServe(stack, 90_000)
      return { faultedHosts: [hostPort(stack.url('packager1')), hostPort(stack.url('packager2'))] }
    }
  })
  return faults
}
