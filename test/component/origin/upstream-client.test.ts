import t, { type Test } from 'tap'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { UpstreamClient } from '../../../internal/origin/upstream-client.js'
import { freePort } from '../../support/free-port.js'

type Script = (res: ServerResponse) => void

async function scriptedServer (t: Test, script: Script): Promise<string> {
  const server: Server = createServer((req, res) => {
    // a slow or endless script must not hold the test's teardown
    req.socket.setTimeout(10_000)
    script(res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(async () => {
    server.closeAllConnections()
    await new Promise((resolve) => server.close(resolve))
  })
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`
}

function client (t: Test): UpstreamClient {
  const c = new UpstreamClient({ connectTimeoutMs: 500, headersTimeoutMs: 600, bodyTimeoutMs: 600, maxBodyBytes: 1024 })
  t.teardown(async () => { await c.close() })
  return c
}

t.test('a 200 body comes back whole with its content type', async (t) => {
  const base = await scriptedServer(t, (res) => { res.setHeader('content-type', 'video/mp2t'); res.end('segment-bytes') })
  const result = await client(t).get(`${base}/a.ts`)
  t.ok(result.ok)
  if (result.ok) {
    t.equal(result.body.toString(), 'segment-bytes')
    t.equal(result.contentType, 'video/mp2t')
  }
})

t.test('every failure is classified, never thrown', async (t) => {
  const cases: Array<[string, Script, string]> = [
    ['404', (res) => { res.statusCode = 404; res.end('no') }, 'http_404'],
    ['500', (res) => { res.statusCode = 500; res.end('boom') }, 'http_5xx'],
    ['403', (res) => { res.statusCode = 403; res.end() }, 'http_4xx'],
    ['reset', (res) => { res.socket?.destroy() }, 'reset'],
    ['headers never come', () => {}, 'timeout'],
    ['body never ends', (res) => { res.writeHead(200); res.write('partial') }, 'timeout'],
    ['declared too large', (res) => { res.setHeader('content-length', '5000'); res.end(Buffer.alloc(5000)) }, 'too_large'],
    ['endless chunked body', (res) => {
      res.writeHead(200)
      const timer = setInterval(() => { if (!res.write(Buffer.alloc(512))) clearInterval(timer) }, 5)
      res.on('close', () => clearInterval(timer))
    }, 'too_large']
  ]
  const c = client(t)
  for (const [name, script, failure] of cases) {
    const base = await scriptedServer(t, script)
    const result = await c.get(`${base}/x`)
    t.equal(result.ok, false, `${name} fails`)
    if (!result.ok) t.equal(result.failure, failure, `${name} is ${failure}`)
  }
})

t.test('a closed port is refused', async (t) => {
  const port = await freePort()
  const result = await client(t).get(`http://127.0.0.1:${port}/x`)
  t.equal(result.ok, false)
  if (!result.ok) t.equal(result.failure, 'refused')
})
