// Issue 15's faults as chaos rows: players play from the edges (Content Steering pathways), so the
// edge they use is killed or hung, and the origin replica they opened is killed while the edges
// fill from the other. The control freezes every pathway at once: players must show it.
import { isProcessRunning } from '../../internal/edges/process-tools.js'
import type { LocalStack } from '../support/local-stack.js'
import { waitFor } from '../support/wait-for.js'
import type { FaultEffect } from './chaos-tabulate.js'
import type { ClientsView, PlannedFault } from './chaos-watch.js'

export interface ManagerEdge { readonly id: string, readonly url: string, readonly port: number, readonly state: string, readonly nginxPid: number, readonly watchdogPid: number }

/** The live edges an edges manager lists at GET /edges. */
export async function managerEdges (managerUrl: string): Promise<ManagerEdge[]> {
  const edges = await (await fetch(`${managerUrl}/edges`, { signal: AbortSignal.timeout(2000) })).json() as ManagerEdge[]
  return edges.filter((e) => e.state === 'live')
}

const sleep = async (ms: number): Promise<void> => { await new Promise((resolve) => setTimeout(resolve, ms)) }
const hostOf = (edge: ManagerEdge): string => new URL(edge.url).host

interface EdgeHost { readonly manager: 'edges' | 'edges2', readonly dir: string, readonly count: number }

/** The stack's edge hosts: the 127.0.0.1 manager's three edges and the localhost manager's two. */
export function edgeHosts (stack: LocalStack): readonly EdgeHost[] {
  return [{ manager: 'edges', dir: stack.edgesDir, count: 3 }, { manager: 'edges2', dir: stack.edges2Dir, count: 2 }]
}

async function everyEdge (stack: LocalStack): Promise<Array<ManagerEdge & { dir: string }>> {
  const lists = await Promise.all(edgeHosts(stack).map(async (h) => (await managerEdges(stack.url(h.manager))).map((e) => ({ ...e, dir: h.dir }))))
  return lists.flat()
}

/** Every edge live again on both hosts, none of them `gone` (the edge the fault took). */
async function edgesBack (stack: LocalStack, gone: ManagerEdge | undefined): Promise<void> {
  await waitFor('every edge live again', async () => {
    const counts = await Promise.all(edgeHosts(stack).map(async (h) => (await managerEdges(stack.url(h.manager))).filter((e) => e.id !== gone?.id || e.nginxPid !== gone.nginxPid).length >= h.count))
    return counts.every(Boolean)
  }, { timeoutMs: 45_000, intervalMs: 500 })
}

/** The edge most browser players fetched from last: the fault must hit players, not an idle edge. */
async function busiestEdge (stack: LocalStack, clients: ClientsView): Promise<ManagerEdge & { dir: string }> {
  const hosts = clients.playerHosts()
  const served = (e: ManagerEdge): number => hosts.filter((h) => h === hostOf(e)).length
  const edge = (await everyEdge(stack)).sort((a, b) => served(b) - served(a))[0]
  if (edge === undefined) throw new Error('no live edge')
  return edge
}

/** Signals an edge's whole process group (watchdog, nginx master and workers), as a host failing would. */
function signalEdge (edge: ManagerEdge & { dir: string }, signal: NodeJS.Signals): void {
  if (isProcessRunning(edge.watchdogPid, edge.dir)) { try { process.kill(-edge.watchdogPid, signal) } catch {} }
  if (signal === 'SIGKILL' && isProcessRunning(edge.nginxPid, edge.dir)) { try { process.kill(edge.nginxPid, signal) } catch {} }
}

const HANG_MS = 20_000

export function deliveryFaults (stack: LocalStack): PlannedFault[] {
  return [
    {
      name: 'the players\' busiest edge (nginx group) SIGKILL',
      run: async (clients): Promise<FaultEffect> => {
        const edge = await busiestEdge(stack, clients)
        signalEdge(edge, 'SIGKILL')
        await edgesBack(stack, edge)
        return { faultedHosts: [hostOf(edge)] }
      }
    },
    {
      name: `the players' busiest edge SIGSTOP ${HANG_MS / 1000} s + SIGCONT`,
      run: async (clients): Promise<FaultEffect> => {
        const edge = await busiestEdge(stack, clients)
        signalEdge(edge, 'SIGSTOP')
        await sleep(HANG_MS)
        signalEdge(edge, 'SIGCONT')
        await edgesBack(stack, undefined)
        return { faultedHosts: [hostOf(edge)] }
      }
    },
    {
      // ffmpeg has no Content Steering: it reads its bucket's first edge and nothing else, and
      // what it sees when that edge dies is what any such client sees (README "Delivery")
      name: 'the edge ffmpeg reads (nginx group) SIGKILL',
      informational: true,
      run: async (clients): Promise<FaultEffect> => {
        const host = clients.ffmpegHost()
        const edge = (await everyEdge(stack)).find((e) => hostOf(e) === host)
        if (edge === undefined) throw new Error(`ffmpeg reads from no live edge (${host ?? 'nothing yet'})`)
        signalEdge(edge, 'SIGKILL')
        await edgesBack(stack, edge)
        return { faultedHosts: [hostOf(edge)] }
      }
    },
    {
      name: 'origin replica a (the players\' entry) SIGKILL, restarted 10 s later',
      run: async (): Promise<FaultEffect> => {
        stack.procs.origin.signal('SIGKILL')
        await sleep(10_000)
        await stack.procs.origin.start()
        await waitFor('origin a to serve live01 again', async () => (await fetch(`${stack.url('origin')}/live01/playlist.m3u8`)).status === 200, { timeoutMs: 30_000 })
        return { faultedHosts: [new URL(stack.url('origin')).host] }
      }
    },
    {
      // no pathway left: both managers frozen first, so none replaces a hung edge; woken first, so
      // their edges' watchdogs find a fresh manager.alive and keep serving
      name: `control: every edge and both edges managers frozen ${HANG_MS / 1000} s`,
      control: true,
      run: async (): Promise<FaultEffect> => {
        const edges = await everyEdge(stack)
        for (const h of edgeHosts(stack)) stack.procs[h.manager].signal('SIGSTOP')
        for (const edge of edges) signalEdge(edge, 'SIGSTOP')
        await sleep(HANG_MS)
        for (const h of edgeHosts(stack)) stack.procs[h.manager].signal('SIGCONT')
        await sleep(1500)
        for (const edge of edges) signalEdge(edge, 'SIGCONT')
        await edgesBack(stack, undefined)
        return { faultedHosts: edges.map(hostOf) }
      }
    }
  ]
}
