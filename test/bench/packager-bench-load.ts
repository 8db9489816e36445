// Child process of test/bench/packager-bench.ts: one load run, result as JSON on stdout.
import autocannon from 'autocannon'
import { leanLoad } from './packager-bench-lean-client.js'

const { url, connections, durationS, client } = JSON.parse(process.argv[2] ?? '{}') as { url: string, connections: number, durationS: number, client: 'autocannon' | 'lean' }
if (client === 'lean') {
  process.stdout.write(JSON.stringify(await leanLoad(url, connections, durationS)))
} else {
  const result = await autocannon({ url, connections, duration: durationS, pipelining: 1 })
  process.stdout.write(JSON.stringify({
    requestsPerSec: result.requests.average,
    throughputMBps: result.throughput.average / 1e6,
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts
  }))
}
