import t from 'tap'
import { connect } from 'node:net'
import { SECRET, startFixture } from '../../support/packager-fixture.js'
import { rawGet, startPairAndOrigin } from '../../support/origin-harness.js'

// Cases the per-service suites (test/component/packager/packager-traversal.test.ts,
// test/component/origin/origin-hostile-paths.test.ts) did not cover: overlong UTF-8 dots, mixed and double
// encodings in every position, raw backslashes sent byte for byte, and, at the origin, the status
// page's file routes, which must never serve anything outside assets/status.

/** The request line exactly as written, no client normalising (node:http refuses some of these). */
async function rawLine (port: number, target: string): Promise<{ status: number, raw: string }> {
  return await new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1')
    let raw = ''
    socket.setEncoding('latin1')
    socket.on('connect', () => { socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`) })
    socket.on('data', (chunk: string) => { raw += chunk })
    socket.on('end', () => { resolve({ status: Number(raw.slice(9, 12)), raw }) })
    socket.on('error', reject)
    socket.setTimeout(10_000, () => { socket.destroy(new Error(`timeout on ${target}`)) })
  })
}

const LONG = 'a'.repeat(260)
const SHARED = [
  '/live01/%252e%252e/%252e%252e/%252e%252e/etc/passwd',
  '/live01/360p/%252e%252e%252f%252e%252e%252fsecret.ts',
  '/%252e%252e/secret.ts',
  '/live01/%25252e%25252e/secret.ts',
  '/live01/%c0%ae%c0%ae/%c0%ae%c0%ae/secret.ts',
  '/live01/%c0%ae%c0%ae%c0%af%c0%ae%c0%ae%c0%afsecret.ts',
  '/live01/%e0%80%ae%e0%80%ae/secret.ts',
  '/live01/.%2e/.%2e/secret.ts',
  '/live01/%2e./%2e./secret.ts',
  '/live01/360p/..%255c..%255csecret.ts',
  '/live01/360p/..\\..\\..\\secret.ts',
  '/live01\\360p\\..\\..\\secret.ts',
  '/live01/360p/%5c..%5c..%5csecret.ts',
  '/live01/360p/seg_10.ts%2500',
  '/live01/360p/seg_10%00.ts',
  '/live01/%00/seg_10.ts',
  '/live01%00.m3u8',
  '/live01/360p/seg_10.ts;/../../secret.ts',
  '/live01/360p/seg_10.ts?/../../secret.ts',
  '/live01/360p/seg_10.ts#/../../secret.ts',
  '/live01/360p/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  `/live01/360p/${LONG}.ts`,
  `/live01/${'%2e%2e%2f'.repeat(60)}etc/passwd`,
  `/${LONG}/${LONG}/${LONG}.ts`
]

t.test('packager: no encoding of a path out of the root returns a file or a 200', async (t) => {
  const f = await startFixture(t)
  const port = Number(new URL(f.url).port)
  for (const target of SHARED) {
    const { status, raw } = await rawLine(port, target)
    t.notOk(raw.includes(SECRET) || raw.includes('root:'), `no secret for ${target.slice(0, 70)}`)
    // a query or fragment after a valid name is just that name (seg_10.ts exists): allowed
    const validName = /^\/live01\/360p\/seg_10\.ts[?#]/.test(target)
    t.ok(validName ? status === 200 && raw.includes('segment-10') : [400, 404, 414].includes(status), `${target.slice(0, 70)} -> ${status}`)
  }
})

const STATUS_ATTACKS = [
  '/..%2f..%2fpackage.json',
  '/%2e%2e/%2e%2e/package.json',
  '/%252e%252e/%252e%252e/package.json',
  '/..\\..\\package.json',
  '/status.js/..%2f..%2f..%2fpackage.json',
  '/status.js/../../../package.json',
  '/index.html%00.json',
  '/index.html/..%2f..%2fpackage.json',
  '/assets/..%2f..%2fpackage.json',
  '/assets/%2e%2e/%2e%2e/package.json',
  '/assets/%252e%252e/%252e%252e/package.json',
  '/assets/..\\..\\package.json',
  '/assets/hls.min.js/../../package.json',
  '/assets/hls.min.js%00.json',
  '/assets/..%2fhls.js%2fpackage.json',
  '/assets/../../../../etc/passwd',
  '/assets/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
  '/status/..%2f..%2fpackage.json',
  '/status/events/..%2f..%2f..%2fpackage.json',
  '/status.json/..%2f..%2fpackage.json',
  '/.env',
  '/.git/config',
  '/package.json',
  '/status/index.html',
  '/assets/status/index.html',
  '/../internal/origin/origin-config.ts',
  '/%2e%2e/internal/origin/origin-config.ts'
]

t.test('origin: status page routes and the player routes never serve a file outside assets/status', async (t) => {
  const { origin } = await startPairAndOrigin(t, { env: { STATUS_PAGE: '1' } })
  // in parallel: a two-part path with a well-formed first part (/assets/x, /status/x) is taken as
  // <signal>/<name>, and the origin waits up to 5 s for that signal before its 503
  const answers = await Promise.all([...SHARED, ...STATUS_ATTACKS].map(async (target) => ({ target, ...await rawLine(origin.port, target) })))
  for (const { target, status, raw } of answers) {
    t.notMatch(raw, /zero-downtime-hls|"devDependencies"|root:x?:0|loadOriginConfig|\[core\]|SIGNING_KEY/, `no project or system file for ${target.slice(0, 70)}`)
    const noSignal = status === 503 && raw.includes('ORIGIN_ERR_NO_UPSTREAM')
    t.ok([400, 403, 404, 414].includes(status) || noSignal, `${target.slice(0, 70)} -> ${status}`)
  }
  // the routes these attacks lean on do serve their own files
  const page = await rawGet(origin.port, '/')
  t.ok(page.status === 200 || page.status === 404, `GET / -> ${page.status}`)
  t.equal((await rawGet(origin.port, '/live01/hi/playlist.m3u8')).status, 200, 'the origin still serves players')
})
