import { randomBytes } from 'node:crypto'
import { freePort } from './free-port.js'
import { isPortTaken, RedisServer, withClient } from './redis-server.js'
import { waitFor } from './wait-for.js'

export interface SentinelSet {
  /** `redis-sentinel://127.0.0.1:<port>,…/<master>`, as REGISTRY_URL takes it. */
  readonly url: string
  readonly masterName: string
  /** The master it started with: kill it to make the sentinels promote the replica. */
  readonly master: RedisServer
  readonly replica: RedisServer
  readonly sentinels: readonly RedisServer[]
  /** The master's port as the first sentinel that answers sees it now (the others may see the switch later). */
  currentMasterPort: () => Promise<number>
  /** Idempotent: every process stopped, every temp dir removed. */
  stop: () => Promise<void>
}

const MASTER_NAME = 'zdhmaster'
const QUORUM = 2

/**
 * A master, one replica and three sentinels (quorum 2), every one on a free port of 127.0.0.1 in
 * its own temp dir. Resolves once each sentinel sees the replica and the other two sentinels, so
 * a failover can be agreed on and carried out as soon as the master dies.
 */
export async function startSentinelSet (): Promise<SentinelSet> {
  // the sentinels' ports are chosen before any binds (each is told of the others): a port taken in
  // between by another test's listener fails the set, which is then made again on other ports
  for (let attempt = 1; ; attempt++) {
    try {
      return await startSentinelSetOnce()
    } catch (err) {
      if (attempt >= 3 || !isPortTaken(err)) throw err
    }
  }
}

async function startSentinelSetOnce (): Promise<SentinelSet> {
  const started: RedisServer[] = []
  let stopping: Promise<void> | undefined
  const stop = async (): Promise<void> => {
    stopping ??= Promise.all(started.map(async (server) => { await server.stop() })).then(() => {})
    await stopping
  }
  try {
    const master = await RedisServer.start()
    started.push(master)
    const replica = await RedisServer.start({ replicaOf: master.port })
    started.push(replica)
    await waitFor('the replica to sync with the master', async () =>
      await withClient(replica.port, undefined, async (c) => /master_link_status:up/.test(await c.info('replication'))), { timeoutMs: 15_000, intervalMs: 50 })
    // after a diskless sync the master streams writes to the replica only once it has acknowledged
    // (REPLCONF ACK, once a second): until then a write is not on the replica however long one waits
    await waitFor('the replica to acknowledge a write', async () =>
      await withClient(master.port, undefined, async (c) => {
        await c.set('test:sentinel-set', 'ready')
        return await c.call('WAIT', '1', '1000') === 1
      }), { timeoutMs: 15_000, intervalMs: 50 })
    const ports = [await freePort(), await freePort(), await freePort()]
    const ids = ports.map(() => randomBytes(20).toString('hex'))
    // each sentinel is told of the others and of the replica up front, as it would write them into
    // its own file once it had heard of them: otherwise that takes their 2 s hello period
    const sentinelConfig = (i: number): string[] => [
      `sentinel myid ${ids[i] ?? ''}`,
      `sentinel monitor ${MASTER_NAME} 127.0.0.1 ${master.port} ${QUORUM}`,
      // quick enough for a test, slow enough not to fail over on a busy 2-core machine's hiccup
      `sentinel down-after-milliseconds ${MASTER_NAME} 1000`,
      `sentinel failover-timeout ${MASTER_NAME} 3000`,
      `sentinel parallel-syncs ${MASTER_NAME} 1`,
      `sentinel known-replica ${MASTER_NAME} 127.0.0.1 ${replica.port}`,
      ...ports.flatMap((port, j) => j === i ? [] : [`sentinel known-sentinel ${MASTER_NAME} 127.0.0.1 ${port} ${ids[j] ?? ''}`])
    ]
    const sentinels: RedisServer[] = []
    for (const [i, port] of ports.entries()) {
      const sentinel = await RedisServer.start({ sentinel: sentinelConfig(i), port })
      started.push(sentinel)
      sentinels.push(sentinel)
    }
    for (const sentinel of sentinels) {
      await waitFor(`sentinel ${sentinel.port} to see the replica and the other sentinels`, async () =>
        await withClient(sentinel.port, undefined, async (c) => {
          const replicas = await c.call('SENTINEL', 'REPLICAS', MASTER_NAME) as string[][]
          const others = await c.call('SENTINEL', 'SENTINELS', MASTER_NAME) as string[][]
          const healthy = replicas.some((fields) => /^slave$/.test(field(fields, 'flags') ?? ''))
          return healthy && others.length === sentinels.length - 1
        }), { timeoutMs: 20_000, intervalMs: 100 })
    }
    const currentMasterPort = async (): Promise<number> => {
      for (const sentinel of sentinels) {
        const address = await withClient(sentinel.port, undefined, async (c) => await c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', MASTER_NAME) as string[]).catch(() => undefined)
        if (address?.[1] !== undefined) return Number(address[1])
      }
      throw new Error('no sentinel answered')
    }
    const hosts = sentinels.map((s) => `127.0.0.1:${s.port}`).join(',')
    return { url: `redis-sentinel://${hosts}/${MASTER_NAME}`, masterName: MASTER_NAME, master, replica, sentinels, currentMasterPort, stop }
  } catch (err) {
    await stop()
    throw err
  }
}

// SENTINEL REPLICAS answers each replica as a flat list of name, value, name, value…
function field (fields: readonly string[], name: string): string | undefined {
  const at = fields.indexOf(name)
  return at >= 0 && at % 2 === 0 ? fields[at + 1] : undefined
}
