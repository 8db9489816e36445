import { execFile } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** One host of the topology: a network namespace with one link (eth0) to the shared bridge. */
export interface Host {
  readonly name: string
  /** The namespace (`ip netns exec <netns> ...`). */
  readonly netns: string
  readonly address: string
  /** The bridge side of its link, in the machine's own namespace. */
  readonly linkPeer: string
}

const FAULT_TABLE = 'hostfault'

async function ip (...args: string[]): Promise<string> {
  return (await run('ip', args, { timeout: 10_000 })).stdout
}

/** Runs an nftables script (`nft -f -`, on stdin) inside a host's namespace. */
async function nft (netns: string, script: string): Promise<void> {
  const child = execFile('ip', ['netns', 'exec', netns, 'nft', '-f', '-'], { timeout: 10_000 })
  let stderr = ''
  child.stderr?.on('data', (chunk: Buffer) => { stderr += chunk.toString() })
  const done = new Promise<void>((resolve, reject) => child.once('exit', (code) => code === 0 ? resolve() : reject(new Error(`nft in ${netns}: ${stderr.trim().split('\n')[0] ?? `exit ${String(code)}`}`))))
  child.stdin?.end(script)
  await done
}

/**
 * Several hosts on one machine: a bridge in the machine's own namespace (the viewer host, which
 * runs the players, at .1) and one namespace per host joined to it by a veth pair, each with an
 * address on one /24 and an nftables table for faults. Every name carries a random run id, so runs
 * never touch each other's namespaces or links; `destroy()` removes all of them and `leftovers()`
 * says what is still there.
 */
export class Topology {
  readonly id: string
  readonly bridge: string
  readonly viewerAddress: string
  readonly hosts: ReadonlyMap<string, Host>
  #netem: boolean | undefined

  private constructor (id: string, subnet: string, names: readonly string[]) {
    this.id = id
    this.bridge = `hls${id}`
    this.viewerAddress = `${subnet}.1`
    this.hosts = new Map(names.map((name, i) => [name, { name, netns: `hls${id}-${name}`, address: `${subnet}.${i + 2}`, linkPeer: `hls${id}-${i}` }]))
  }

  /** Builds the bridge and one namespace per name; anything half made is removed if a step fails. */
  static async create (names: readonly string[]): Promise<Topology> {
    const id = randomBytes(2).toString('hex')
    // 10.200-249.x.0/24, from the id: two runs at once rarely share a subnet, and never a name
    const subnet = `10.${200 + (parseInt(id.slice(0, 2), 16) % 50)}.${parseInt(id.slice(2), 16)}`
    const topology = new Topology(id, subnet, names)
    try {
      await ip('link', 'add', topology.bridge, 'type', 'bridge')
      await ip('addr', 'add', `${topology.viewerAddress}/24`, 'dev', topology.bridge)
      await ip('link', 'set', topology.bridge, 'up')
      for (const host of topology.hosts.values()) await topology.#addHost(host)
    } catch (err) {
      await topology.destroy()
      throw err
    }
    return topology
  }

  async #addHost (host: Host): Promise<void> {
    await ip('netns', 'add', host.netns)
    await ip('link', 'add', host.linkPeer, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', host.netns)
    await ip('link', 'set', host.linkPeer, 'master', this.bridge)
    await ip('link', 'set', host.linkPeer, 'up')
    await ip('-n', host.netns, 'addr', 'add', `${host.address}/24`, 'dev', 'eth0')
    await ip('-n', host.netns, 'link', 'set', 'eth0', 'up')
    await ip('-n', host.netns, 'link', 'set', 'lo', 'up')
    await nft(host.netns, [
      `table inet ${FAULT_TABLE} {`,
      '  chain out { type filter hook output priority 0; policy accept; }',
      '  chain in { type filter hook input priority 0; policy accept; }',
      '}'
    ].join('\n'))
  }

  host (name: string): Host {
    const host = this.hosts.get(name)
    if (host === undefined) throw new Error(`no host '${name}' in the topology`)
    return host
  }

  /** The host's only link down: cut off from every other host and from the viewer. */
  async linkDown (name: string): Promise<void> { await ip('-n', this.host(name).netns, 'link', 'set', 'eth0', 'down') }
  async linkUp (name: string): Promise<void> { await ip('-n', this.host(name).netns, 'link', 'set', 'eth0', 'up') }

  /**
   * Drops packets between `name` and `peers` (addresses): `out` drops what it sends them, `in` what
   * they send it, `both` both. A one-way partition is `out` on one side.
   */
  async block (name: string, peers: readonly string[], direction: 'out' | 'in' | 'both'): Promise<void> {
    const set = `{ ${peers.join(', ')} }`
    const rules = [
      ...(direction !== 'in' ? [`add rule inet ${FAULT_TABLE} out ip daddr ${set} drop`] : []),
      ...(direction !== 'out' ? [`add rule inet ${FAULT_TABLE} in ip saddr ${set} drop`] : [])
    ]
    await nft(this.host(name).netns, rules.join('\n'))
  }

  /**
   * A bad link on `name`: `lossPercent` of packets each way dropped at random, plus `delayMs` ±
   * `jitterMs` with netem. A kernel without netem gets a slow link instead: its sending side held
   * to `slowKbit` by tbf, which queues up to `delayMs` and drops past that, so a burst (a
   * segment) is late by a load-dependent delay. Resolves with what it applied.
   */
  async degrade (name: string, o: { delayMs: number, jitterMs: number, lossPercent: number, slowKbit: number }): Promise<{ delay: 'netem' | 'tbf' }> {
    const host = this.host(name)
    if (await this.netemAvailable()) {
      await run('ip', ['netns', 'exec', host.netns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'netem', 'delay', `${o.delayMs}ms`, `${o.jitterMs}ms`, 'loss', `${o.lossPercent}%`])
      return { delay: 'netem' }
    }
    await nft(host.netns, [
      `add rule inet ${FAULT_TABLE} out numgen random mod 100 < ${o.lossPercent} drop`,
      `add rule inet ${FAULT_TABLE} in numgen random mod 100 < ${o.lossPercent} drop`
    ].join('\n'))
    await run('ip', ['netns', 'exec', host.netns, 'tc', 'qdisc', 'add', 'dev', 'eth0', 'root', 'tbf', 'rate', `${o.slowKbit}kbit`, 'burst', '16kb', 'latency', `${o.delayMs}ms`])
    return { delay: 'tbf' }
  }

  /** Undoes every fault on `name`: link up, no drop rule, no netem. */
  async heal (name: string): Promise<void> {
    const host = this.host(name)
    await this.linkUp(name)
    await nft(host.netns, `flush chain inet ${FAULT_TABLE} out\nflush chain inet ${FAULT_TABLE} in`)
    await run('ip', ['netns', 'exec', host.netns, 'tc', 'qdisc', 'del', 'dev', 'eth0', 'root']).catch(() => {})
  }

  /** Whether this kernel has netem (sch_netem): Firecracker-style kernels built without modules may not. */
  async netemAvailable (): Promise<boolean> {
    if (this.#netem === undefined) {
      const probe = [...this.hosts.values()][0]
      this.#netem = probe === undefined
        ? false
        : await run('ip', ['netns', 'exec', probe.netns, 'tc', 'qdisc', 'add', 'dev', 'lo', 'root', 'netem', 'delay', '1ms']).then(
          async () => { await run('ip', ['netns', 'exec', probe.netns, 'tc', 'qdisc', 'del', 'dev', 'lo', 'root']).catch(() => {}); return true },
          () => false)
    }
    return this.#netem
  }

  /** Removes every namespace (their links go with them) and the bridge; idempotent. */
  async destroy (): Promise<void> {
    for (const host of this.hosts.values()) {
      // the pair goes at once with its bridge side; a namespace's own end goes only when the kernel gets to it
      await ip('link', 'del', host.linkPeer).catch(() => {})
      await ip('netns', 'del', host.netns).catch(() => {})
    }
    await ip('link', 'del', this.bridge).catch(() => {})
  }

  /** Namespaces and links of this run still present: empty after destroy(). */
  async leftovers (): Promise<string[]> {
    const names = (await ip('netns', 'list')).split('\n').map((l) => l.split(' ')[0] ?? '').filter((n) => n.startsWith(`hls${this.id}`))
    const links = (await ip('-o', 'link', 'show')).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter((n) => n.startsWith(`hls${this.id}`))
    return [...names.map((n) => `namespace ${n}`), ...links.map((n) => `link ${n}`)]
  }
}
