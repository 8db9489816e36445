// Packager vs nginx on the same folder, side by side in one run.
// Usage: npx tsx test/bench/packager-bench.ts [--duration=5] [--connections=10] [--rounds=3] [--nginx-workers=1] [--clients=lean,autocannon]
import { randomBytes } from 'node:crypto'
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import type { ChildProcess } from 'node:child_process'
import { cpuSeconds, freePort, runLoad, startNginx, startPackager, stopChild, waitForHttp, type LoadClient } from './packager-bench-processes.js'
import { summarize, type Measured } from './bench-measured.js'

function arg (name: string, fallback: string): string {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`))
  return hit === undefined ? fallback : hit.slice(name.length + 3)
}

const durationS = Number(arg('duration', '5'))
const connections = Number(arg('connections', '10'))
const rounds = Number(arg('rounds', '3'))
const nginxWorkers = arg('nginx-workers', '1')
const clients = arg('clients', 'lean,autocannon').split(',') as LoadClient[]
const SEGMENT_BYTES = 500 * 1024

function playlist (): string {
  const lines = ['#EXTM3U', '#EXT-X-VERSION:6', '#EXT-X-TARGETDURATION:2', '#EXT-X-MEDIA-SEQUENCE:898000000']
  const start = Date.parse('2026-01-01T00:00:00Z')
  for (let i = 0; i < 6; i++) {
    lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(start + i * 2000).toISOString()}`, '#EXTINF:2.000000,', `seg_${898000000 + i}.ts`)
  }
  return lines.join('\n') + '\n'
}

const work = await mkdtemp(path.join(tmpdir(), 'packager-bench-'))
const root = path.join(work, 'root')
await mkdir(path.join(root, 'live01', '720p'), { recursive: true })
await writeFile(path.join(root, 'live01', '720p', 'playlist.m3u8'), playlist())
await writeFile(path.join(root, 'live01', '720p', 'seg_898000000.ts'), randomBytes(SEGMENT_BYTES))

const children: ChildProcess[] = []
const cleanup = async (): Promise<void> => {
  for (const child of children) await stopChild(child)
  await rm(work, { recursive: true, force: true })
}
process.once('SIGINT', () => { void cleanup().then(() => process.exit(130)) })

try {
  const nginxPort = await freePort()
  const nginx = await startNginx({ prefix: path.join(work, 'nginx'), root, port: nginxPort, workers: nginxWorkers })
  children.push(nginx)
  const packagerPort = await freePort()
  const packager = startPackager({ root, port: packagerPort })
  children.push(packager)
  const bases = { nginx: `http://127.0.0.1:${nginxPort}`, packager: `http://127.0.0.1:${packagerPort}` }
  await waitForHttp(`${bases.nginx}/live01/720p/playlist.m3u8`, nginx)
  await waitForHttp(`${bases.packager}/healthz`, packager)

  const kinds = { segment: '/live01/720p/seg_898000000.ts', playlist: '/live01/720p/playlist.m3u8' }
  const pids = { nginx: nginx.pid ?? 0, packager: packager.pid ?? 0 }
  process.stdout.write(`packager vs nginx (worker_processes ${nginxWorkers}, sendfile, open_file_cache), ${connections} connections, ` +
    `${durationS}s x ${rounds} rounds each, alternating; ${os()}; clients: ${clients.join(', ')}\n`)
  for (const client of clients) {
    for (const [kind, urlPath] of Object.entries(kinds)) {
      // warm both (page cache, file caches, and the JIT, which needs a few seconds of traffic)
      await runLoad(client, bases.nginx + urlPath, connections, 2)
      await runLoad(client, bases.packager + urlPath, connections, 3)
      const results: Record<'nginx' | 'packager', Measured[]> = { nginx: [], packager: [] }
      for (let round = 0; round < rounds; round++) {
        // alternate who goes first so drift (thermal, other load) hits both alike
        const order = round % 2 === 0 ? ['nginx', 'packager'] as const : ['packager', 'nginx'] as const
        for (const who of order) {
          const cpuBefore = await cpuSeconds(pids[who])
          const load = await runLoad(client, bases[who] + urlPath, connections, durationS)
          const cpu = await cpuSeconds(pids[who]) - cpuBefore
          results[who].push({ ...load, cpuUsPerRequest: cpu * 1e6 / Math.max(1, load.requestsPerSec * durationS) })
        }
      }
      const n = summarize(results.nginx)
      const p = summarize(results.packager)
      process.stdout.write(`\n[${client}] ${kind} (${urlPath})\n`)
        process.stdout.write(row('', ['req/s', 'MB/s', 'p50 ms', 'p99 ms', 'CPU us/req', 'non2xx', 'errors']))
      for (const [label, r] of [['nginx', n], ['packager', p]] as const) {
        process.stdout.write(row(label, [r.requestsPerSec.toFixed(0), r.throughputMBps.toFixed(1), r.p50Ms.toFixed(2), r.p99Ms.toFixed(2), r.cpuUsPerRequest.toFixed(0), String(r.non2xx), String(r.errors)]))
      }
      process.stdout.write(`RATIO packager/nginx [${client}] ${kind}: ${(p.requestsPerSec / n.requestsPerSec).toFixed(2)}x req/s, ` +
        `${n.p50Ms > 0 ? (p.p50Ms / n.p50Ms).toFixed(2) + 'x' : 'n/a'} p50, ${(p.cpuUsPerRequest / n.cpuUsPerRequest).toFixed(2)}x server CPU per request\n`)
    }
  }
} finally {
  await cleanup()
}

function row (label: string, cells: string[]): string {
  return label.padEnd(10) + cells.map((c) => c.padStart(11)).join('') + '\n'
}

function os (): string {
  return `node ${process.version}`
}
