import { connect, type Socket } from 'node:net'
import type { LoadResult } from './packager-bench-processes.js'

const HEADER_END = Buffer.from('\r\n\r\n')

/**
 * A minimal keep-alive HTTP/1.1 GET loop on raw sockets. autocannon spends ~8 ms of its own CPU
 * per 500 KB body here, so it measures itself; this client only scans headers and counts body
 * bytes, which leaves the server as the bottleneck.
 */
export async function leanLoad (url: string, connections: number, durationS: number): Promise<LoadResult> {
  const target = new URL(url)
  const request = Buffer.from(`GET ${target.pathname}${target.search} HTTP/1.1\r\nHost: ${target.host}\r\nUser-Agent: packager-bench\r\n\r\n`)
  const latencies: number[] = []
  let bytes = 0
  let non2xx = 0
  let errors = 0
  const deadline = Date.now() + durationS * 1000
  const started = process.hrtime.bigint()

  const runConnection = async (): Promise<void> => await new Promise<void>((resolve) => {
    const socket: Socket = connect(Number(target.port), target.hostname)
    socket.setNoDelay(true)
    let header: Buffer | undefined
    let remaining = -1
    let sentAt = 0n
    const send = (): void => {
      if (Date.now() >= deadline) { socket.end(); return }
      sentAt = process.hrtime.bigint()
      socket.write(request)
    }
    socket.on('connect', send)
    socket.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      let data = chunk
      while (data.length > 0) {
        if (remaining < 0) {
          header = header === undefined ? data : Buffer.concat([header, data])
          const end = header.indexOf(HEADER_END)
          if (end < 0) return
          const head = header.subarray(0, end).toString('latin1')
          const status = Number(head.slice(9, 12))
          if (status < 200 || status > 299) non2xx++
          const match = /\r\ncontent-length:\s*(\d+)/i.exec(head)
          remaining = match === null ? 0 : Number(match[1])
          data = header.subarray(end + 4)
          header = undefined
        }
        const take = Math.min(remaining, data.length)
        remaining -= take
        data = data.subarray(take)
        if (remaining === 0) {
          remaining = -1
          latencies.push(Number(process.hrtime.bigint() - sentAt) / 1e6)
          send()
        }
      }
    })
    socket.on('error', () => { errors++ })
    socket.on('close', () => { resolve() })
  })

  await Promise.all(Array.from({ length: connections }, runConnection))
  const elapsedS = Number(process.hrtime.bigint() - started) / 1e9
  latencies.sort((a, b) => a - b)
  const pick = (q: number): number => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0
  return {
    requestsPerSec: latencies.length / elapsedS,
    throughputMBps: bytes / elapsedS / 1e6,
    p50Ms: pick(0.5),
    p99Ms: pick(0.99),
    non2xx,
    errors
  }
}
