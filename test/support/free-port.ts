import { readFileSync } from 'node:fs'
import { randomInt } from 'node:crypto'
import { createServer } from 'node:net'

/** Test ports are drawn from here up to the kernel's ephemeral range. */
const LOWEST = 20_000

/**
 * The first port of the kernel's ephemeral range. Outgoing connections take their source ports
 * from that range, and so does listen(0): a port found free there and bound a moment later by a
 * child can be taken meanwhile (make test saw a discovery die of EADDRINUSE so).
 */
function ephemeralLow (): number {
  try {
    const low = Number(readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/)[0])
    return Number.isInteger(low) && low > 1024 ? low : 32_768
  } catch {
    return 32_768
  }
}

const EPHEMERAL_LOW = ephemeralLow()

async function canListen (port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => { resolve(false) })
    server.listen(port, '127.0.0.1', () => { server.close(() => { resolve(true) }) })
  })
}

async function kernelPort (): Promise<number> {
  return await new Promise((resolve, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const address = server.address()
      const port = typeof address === 'object' && address !== null ? address.port : 0
      server.close(() => { resolve(port) })
    })
  })
}

/**
 * A port that was free a moment ago, for children that must be told their port up front: drawn at
 * random below the ephemeral range, so nothing but another test can take it before the child
 * binds it. `span` more ports above it stay below that range too (a manager that numbers its
 * children's ports from it).
 */
export async function freePort (span = 0): Promise<number> {
  const highest = EPHEMERAL_LOW - 1 - span
  if (highest - LOWEST < 1000) return await kernelPort()
  for (let i = 0; i < 100; i++) {
    const port = LOWEST + randomInt(highest - LOWEST + 1)
    if (await canListen(port)) return port
  }
  return await kernelPort()
}
