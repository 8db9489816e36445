import t from 'tap'
import { rawGet, startPairAndOrigin } from '../../support/origin-harness.js'

const LONG = 'a'.repeat(300)

// sent byte for byte: a client that normalizes would never send most of these
const HOSTILE_PATHS = [
  '/..%2f..%2fetc/passwd',
  '/../../etc/passwd',
  '/live01/..%2f/playlist.m3u8',
  '/live01/..%2f..%2f..%2fetc%2fpasswd',
  '/live01/hi/%2e%2e',
  '/live01/hi/%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/live01/%2e%2e/%2e%2e/etc/passwd',
  '/live01/hi/..%5c..%5cetc%5cpasswd',
  '/live01/hi/%00.ts',
  '/live01/hi/1%00.ts',
  '/live01%00/playlist.m3u8',
  '/live01/hi%00/playlist.m3u8',
  '/live01/hi/..',
  '/live01/hi/.ts',
  '/live01/hi/playlist.m3u8/..',
  '/live01/hi/passwd',
  `/live01/hi/${LONG}.ts`,
  `/live01/${LONG}/playlist.m3u8`,
  `/${LONG}/playlist.m3u8`,
  `/live01/hi/${'%2e'.repeat(100)}.ts`,
  '/live01/hi/hi/1.ts',
  '/live01/hi/lo/1.ts'
]

t.test('hostile paths get 400/404 from the origin and never reach a packager', async (t) => {
  const { a, b, origin } = await startPairAndOrigin(t)
  const before = [...a.requestLog, ...b.requestLog].length
  const answers = await Promise.all(HOSTILE_PATHS.map(async (path) => ({ path, ...await rawGet(origin.port, path) })))
  for (const { path, status, body } of answers) {
    // over-long names are refused by the router itself (maxParamLength) with 414 URI Too Long
    const allowed = path.includes(LONG) ? [400, 404, 414] : [400, 404]
    t.ok(allowed.includes(status), `${path.slice(0, 60)}${path.length > 60 ? '...' : ''} -> ${status}`)
    t.notMatch(body, /root:|\[boot loader\]/, 'no file content in the answer')
  }
  // what the packagers saw meanwhile: only the pollers' playlist requests, nothing a hostile path made up
  const upstream = [...a.requestLog, ...b.requestLog].slice(before)
  const odd = upstream.filter((p) => !/^\/live01\/(hi|lo)\/playlist\.m3u8$/.test(p))
  t.same(odd, [], `no hostile path was forwarded upstream (${upstream.length} playlist polls meanwhile)`)
  t.equal(a.counts.other + b.counts.other, 0)
  t.equal((await rawGet(origin.port, '/live01/hi/playlist.m3u8')).status, 200, 'the origin still serves')
})
