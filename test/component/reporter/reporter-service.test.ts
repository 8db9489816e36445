import t from 'tap'
import { pino, type Logger } from 'pino'
import { request } from 'undici'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { ReporterService } from '../../../internal/reporter/reporter-service.js'

function capture (): { log: Logger, lines: Array<{ level: number, msg: string }> } {
  const lines: Array<{ level: number, msg: string }> = []
  return { log: pino({ level: 'info' }, { write: (line: string) => { lines.push(JSON.parse(line)) } }), lines }
}

t.test('token-less mode on loopback warns once at start and serves on a real port', async (t) => {
  const { log, lines } = capture()
  const service = new ReporterService(loadReporterConfig({ REPORTER_PORT: '0' }), log)
  t.teardown(async () => { await service.close() })
  await service.start()
  const warnings = lines.filter((l) => l.level === 40)
  t.equal(warnings.length, 1)
  t.match(warnings[0]?.msg, /^token-less mode/)
  const post = await request(`http://127.0.0.1:${service.port}/ingests`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ signal: 'live01', packagers: [{ url: 'http://127.0.0.1:8080', healthy: true, reason: 'ok' }] })
  })
  t.equal(post.statusCode, 200)
  await post.body.dump()
  const list = await request(`http://127.0.0.1:${service.port}/ingests`)
  t.same((await list.body.json() as Array<{ packagers: string[] }>)[0]?.packagers, ['http://127.0.0.1:8080'])
})

t.test('one REPORTER_TOKEN for every role is logged as shared', async (t) => {
  const { log, lines } = capture()
  const service = new ReporterService(loadReporterConfig({ REPORTER_PORT: '0', REPORTER_TOKEN: 'secret-token' }), log)
  t.teardown(async () => { await service.close() })
  await service.start()
  const warnings = lines.filter((l) => l.level === 40)
  t.equal(warnings.length, 1)
  t.match(warnings[0]?.msg, /^REPORTER_TOKEN is shared by several writer roles/)
})

t.test('with a token per role there is no warning; close is idempotent', async (t) => {
  const { log, lines } = capture()
  const service = new ReporterService(loadReporterConfig({ REPORTER_PORT: '0', REPORTER_DISCOVERY_TOKEN: 'discovery-secret', REPORTER_EDGES_TOKEN: 'edges-secret' }), log)
  await service.start()
  t.equal(lines.filter((l) => l.level >= 40).length, 0)
  const port = service.port
  await service.close()
  await service.close()
  await t.rejects(request(`http://127.0.0.1:${port}/healthz`), 'no longer listening')
})
