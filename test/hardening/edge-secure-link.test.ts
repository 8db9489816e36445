import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { edgeSecret, mintPlaybackToken } from '../../internal/auth/playback-signature.js'
import { findNginx } from '../../internal/edges/nginx-binary.js'
import { freePort } from '../support/free-port.js'
import { waitFor } from '../support/wait-for.js'

// The secure_link part proposed for assets/nginx-edge.conf.template (see
// helper-briefs/out-secure-link.md), run by a real nginx to prove the origin's `st` token is the
// one nginx computes. The location answers itself instead of proxying: only the check is tested.
function config (port: number, prefix: string, secret: string): string {
  return `
# one process, so killing it by PID leaves nothing behind
master_process off;
daemon off;
pid ${prefix}/nginx.pid;
error_log ${prefix}/error.log warn;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path ${prefix}/tmp; proxy_temp_path ${prefix}/tmp; fastcgi_temp_path ${prefix}/tmp;
  uwsgi_temp_path ${prefix}/tmp; scgi_temp_path ${prefix}/tmp;
  map $uri $zdhls_signal_prefix {
    "~^(?<p>/[A-Za-z0-9][A-Za-z0-9_-]{0,63}/)" $p;
    default "";
  }
  server {
    listen 127.0.0.1:${port};
    location ~ "^/[A-Za-z0-9][A-Za-z0-9_-]{0,63}/(?:[A-Za-z0-9][A-Za-z0-9_-]{0,63}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,127}\\.(?:ts|m4s|mp4|aac|vtt)$" {
      secure_link $arg_st,$arg_exp;
      secure_link_md5 "$secure_link_expires$zdhls_signal_prefix ${secret}";
      if ($secure_link = "") { return 403 "bad or missing edge token\\n"; }
      if ($secure_link = "0") { return 403 "edge token expired\\n"; }
      return 200 "segment\\n";
    }
  }
}
`
}

t.test('nginx secure_link_md5 accepts the origin-minted edge token and nothing else', async (t) => {
  const nginx = findNginx(process.env.NGINX_PATH)
  if (!('path' in nginx)) {
    t.fail(`nginx is needed for this test: ${nginx.problem}`)
    return
  }
  const key = 'edge-test-signing-key-0123456789abcdef'
  const prefix = await mkdtemp(path.join(tmpdir(), 'zdhls-securelink-'))
  t.teardown(async () => { await rm(prefix, { recursive: true, force: true }) })
  const port = await freePort()
  await mkdir(path.join(prefix, 'tmp'))
  await writeFile(path.join(prefix, 'nginx.conf'), config(port, prefix, edgeSecret(key)))
  const child = spawn(nginx.path, ['-p', prefix, '-c', path.join(prefix, 'nginx.conf')], { stdio: ['ignore', 'ignore', 'pipe'] })
  let stderr = ''
  child.stderr.on('data', (c: Buffer) => { stderr += c.toString() })
  const exited = new Promise((resolve) => child.once('exit', resolve))
  t.teardown(async () => {
    if (child.exitCode === null && child.signalCode === null) process.kill(child.pid as number, 'SIGKILL')
    await exited
  })
  const base = `http://127.0.0.1:${port}`
  await waitFor(`nginx to listen (${stderr})`, async () => (await fetch(`${base}/live01/hi/1.ts`)).status === 403, { timeoutMs: 15_000, intervalMs: 100 })

  const now = Math.floor(Date.now() / 1000)
  const good = mintPlaybackToken(key, 'live01', now + 600)
  const status = async (p: string): Promise<number> => (await fetch(`${base}${p}`)).status
  t.equal(await status(`/live01/hi/1.ts?exp=${good.exp}&sig=${good.sig}&st=${good.st}`), 200, 'origin token, rendition segment')
  t.equal(await status(`/live01/1.ts?exp=${good.exp}&st=${good.st}`), 200, 'the same token covers the whole /live01/ prefix')
  t.equal(await status('/live01/hi/1.ts'), 403, 'no token')
  t.equal(await status(`/live01/hi/1.ts?exp=${good.exp + 1}&st=${good.st}`), 403, 'a longer expiry')
  t.equal(await status(`/live01/hi/1.ts?exp=${good.exp}&st=${good.st.slice(0, -2)}AA`), 403, 'a tampered token')
  t.equal(await status(`/live02/hi/1.ts?exp=${good.exp}&st=${good.st}`), 403, 'another signal')
  const expired = mintPlaybackToken(key, 'live01', now - 5)
  t.equal(await status(`/live01/hi/1.ts?exp=${expired.exp}&st=${expired.st}`), 403, 'expired')
  const otherKey = mintPlaybackToken(key + 'x', 'live01', now + 600)
  t.equal(await status(`/live01/hi/1.ts?exp=${otherKey.exp}&st=${otherKey.st}`), 403, 'minted with another key')
})
