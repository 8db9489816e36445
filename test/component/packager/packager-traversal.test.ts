import { mkdir, symlink } from 'node:fs/promises'
import { connect } from 'node:net'
import path from 'node:path'
import t from 'tap'
import { SECRET, startFixture } from '../../support/packager-fixture.js'

/** Sends a request line exactly as written (no client-side normalisation) and reads the whole answer. */
async function rawGet (base: string, target: string): Promise<{ status: number, raw: string }> {
  const url = new URL(base)
  return await new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname)
    let raw = ''
    socket.setEncoding('latin1')
    socket.on('connect', () => { socket.write(`GET ${target} HTTP/1.1\r\nHost: ${url.host}\r\nConnection: close\r\n\r\n`) })
    socket.on('data', (chunk: string) => { raw += chunk })
    socket.on('end', () => { resolve({ status: Number(raw.slice(9, 12)), raw }) })
    socket.on('error', reject)
    socket.setTimeout(10_000, () => { socket.destroy(new Error(`timeout on ${target}`)) })
  })
}

t.test('no path, however encoded, returns a file outside the root', async (t) => {
  const f = await startFixture(t)
  const abs = f.dir.replace(/^\//, '')
  const long = 'a'.repeat(300)
  const attacks = [
    '/../secret.ts',
    '/live01/../secret.ts',
    '/live01/../../secret.ts',
    '/live01/360p/../../../secret.ts',
    '/..%2fsecret.ts',
    '/live01/..%2f..%2fsecret.ts',
    '/live01/360p/..%2f..%2f..%2fsecret.ts',
    '/%2e%2e/secret.ts',
    '/live01/%2e%2e/%2e%2e/secret.ts',
    '/live01/%2e%2e%2f%2e%2e%2fsecret.ts',
    '/live01/%2E%2E%2F%2E%2E%2Fsecret.m3u8',
    '/live01/%252e%252e/%252e%252e/secret.ts',
    '/live01/%252e%252e%252f%252e%252e%252fsecret.ts',
    '/live01/..%5c..%5csecret.ts',
    '/live01/..\\..\\secret.ts',
    '/live01\\..\\..\\secret.ts',
    '/live01/360p/seg_10.ts%00',
    '/live01/360p/%00../../../secret.ts',
    '/live01/360p/seg_10.ts%00/../../../secret.ts',
    `/live01/${long}.ts`,
    `/${long}/playlist.m3u8`,
    `/live01/${long}/seg_10.ts`,
    `/live01/360p/${'b'.repeat(130)}.ts`,
    `//${abs}/secret.ts`,
    `/%2f${abs.replaceAll('/', '%2f')}%2fsecret.ts`,
    `/live01//${abs}/secret.ts`,
    `/live01/360p/%2f${abs.replaceAll('/', '%2f')}%2fsecret.ts`,
    `${f.url}/../secret.ts`,
    `${f.url}/live01/%2e%2e/%2e%2e/secret.ts`,
    '/live01/./../secret.ts',
    '/live01/.%2e/secret.ts',
    '/live01/360p/..',
    '/live01/360p/...ts',
    '/live01/evil.ts', // symlink to ../secret.ts, created below
    '/evil/secret.ts' // symlinked directory, created below
  ]
  await symlink(path.join(f.dir, 'secret.ts'), path.join(f.root, 'live01', 'evil.ts'))
  await symlink(f.dir, path.join(f.root, 'evil'))
  await mkdir(path.join(f.root, 'live01', 'empty'), { recursive: true })
  for (const target of attacks) {
    const { status, raw } = await rawGet(f.url, target)
    t.notOk(raw.includes(SECRET), `no secret for ${target.slice(0, 80)}`)
    // 414 is fastify's own answer to a path part over maxParamLength (200) in the shared app
    t.ok(status === 400 || status === 404 || status === 414, `${target.slice(0, 80)} -> ${status}`)
  }
  // the server still serves ordinary files after all that
  const ok = await rawGet(f.url, '/live01/360p/seg_10.ts')
  t.equal(ok.status, 200)
})

t.test('bad names are 400 with a coded error, before any disk access', async (t) => {
  const f = await startFixture(t)
  const before = await (await fetch(`${f.url}/metrics`)).text()
  for (const target of ['/live01/%2e%2e/seg_10.ts', '/live01/360p/seg%2010.ts', '/-bad/playlist.m3u8', '/live01/360p/seg_10.exe']) {
    const { status, raw } = await rawGet(f.url, target)
    t.equal(status, 400, target)
    t.match(raw, /PACKAGER_ERR_BAD_NAME/)
  }
  const after = await (await fetch(`${f.url}/metrics`)).text()
  const reads = (text: string): string => /packager_disk_reads_total\{kind="segment"[^}]*\} (\d+)/.exec(text)?.[1] ?? '0'
  t.equal(reads(after), reads(before), 'refused names never reached the disk')
})
