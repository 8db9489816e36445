import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { edgeTemplateValues, loadEdgeTemplate, renderEdgeConfig, type EdgeNginxParams } from '../../internal/edges/edge-nginx-config.js'
import { findNginx, resolveNginx } from '../../internal/edges/nginx-binary.js'
import { renderTemplate } from '../../internal/edges/nginx-template.js'

const run = promisify(execFile)

const params: EdgeNginxParams = {
  id: 'edge-8101', port: 8101, listenHost: '127.0.0.1', prefix: '/srv/edges/edge-8101', originUrl: 'http://127.0.0.1:8001',
  cacheMaxSize: '1g', segmentCacheValid: '1h', runAsUser: undefined
}

t.test('renderTemplate fills every placeholder and refuses gaps, leftovers and unsafe values', async (t) => {
  t.equal(renderTemplate('listen {{HOST}}:{{PORT}};', { HOST: '127.0.0.1', PORT: '8101' }), 'listen 127.0.0.1:8101;')
  t.throws(() => renderTemplate('{{A}} {{B}}', { A: 'x' }), /without a value: B/)
  t.throws(() => renderTemplate('{{A}}', { A: 'x', B: 'y' }), /does not have: B/)
  t.throws(() => renderTemplate('root {{A}};', { A: '/x; deny all' }), /A contains a character/)
  t.throws(() => renderTemplate('root {{A}};', { A: '/x\n}' }), /A contains a character/)
  t.equal(renderTemplate('{{D}}', { D: 'user root;' }, ['D']), 'user root;', 'raw values are whole directives')
})

t.test('edge values: listen, zone, upstream, TLS, user', async (t) => {
  const v = edgeTemplateValues(params)
  t.equal(v.LISTEN, '127.0.0.1:8101')
  t.equal(v.ZONE, 'edge_8101')
  t.equal(v.ORIGIN_HOSTPORT, '127.0.0.1:8001')
  t.equal(v.ORIGIN_SCHEME, 'http')
  t.match(v.USER_DIRECTIVE, /^#/)
  const tls = edgeTemplateValues({ ...params, listenHost: '::1', originUrl: 'https://origin.example', runAsUser: 'root' })
  t.equal(tls.LISTEN, '[::1]:8101')
  t.equal(tls.ORIGIN_HOSTPORT, 'origin.example:443')
  t.equal(tls.ORIGIN_HOST, 'origin.example')
  t.match(tls.ORIGIN_TLS, /proxy_ssl_server_name on; proxy_ssl_name origin.example;/)
  t.equal(tls.USER_DIRECTIVE, 'user root;')
})

t.test('the real template renders what the issue asks for', async (t) => {
  const text = renderEdgeConfig(await loadEdgeTemplate(), params)
  t.notMatch(text, /\{\{/, 'no placeholder left')
  for (const directive of [
    'daemon off;', 'master_process on;', 'worker_processes 1;', 'pid /srv/edges/edge-8101/nginx.pid;', 'access_log off;',
    'proxy_cache_path /srv/edges/edge-8101/cache', 'keys_zone=edge_8101:10m', 'proxy_cache_lock on;',
    'proxy_cache_valid 200 1h;', 'proxy_ignore_headers Cache-Control Expires', 'proxy_cache off;', 'stub_status;',
    'location = /_edge/healthz', 'add_header Access-Control-Allow-Origin "*" always;', 'add_header X-Cache-Status $upstream_cache_status always;',
    'listen 127.0.0.1:8101 reuseport;', 'server 127.0.0.1:8001;'
  ]) t.ok(text.includes(directive), directive)
  t.throws(() => renderEdgeConfig('{{PREFIX}}', { ...params, prefix: '/a b' }), /white space/)
})

t.test('nginx itself accepts the rendered template', async (t) => {
  const nginx = resolveNginx(undefined)
  const prefix = await mkdtemp(join(tmpdir(), 'edge-template-'))
  t.teardown(async () => { await rm(prefix, { recursive: true, force: true }) })
  await mkdir(join(prefix, 'tmp'))
  await mkdir(join(prefix, 'cache'))
  const conf = join(prefix, 'nginx.conf')
  await writeFile(conf, renderEdgeConfig(await loadEdgeTemplate(), {
    ...params, prefix, runAsUser: process.getuid?.() === 0 ? 'root' : undefined
  }))
  const result = await run(nginx, ['-t', '-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')])
  t.match(result.stderr, /test is successful/)
})

t.test('resolveNginx: explicit path, PATH lookup, clear error', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'nginx-bin-'))
  t.teardown(async () => { await rm(dir, { recursive: true, force: true }) })
  const fake = join(dir, 'nginx')
  await writeFile(fake, '#!/bin/sh\n', { mode: 0o755 })
  t.equal(resolveNginx(fake), fake)
  t.equal(resolveNginx(undefined, dir), fake)
  t.equal(resolveNginx('nginx', `/nonexistent:${dir}`), fake)
  t.throws(() => resolveNginx('/nonexistent/nginx'), { code: 'EDGES_ERR_NGINX_NOT_FOUND', message: /^NGINX_PATH: '\/nonexistent\/nginx' is not an executable file; install nginx/ })
  t.throws(() => resolveNginx('my-nginx', '/nonexistent'), { message: /^NGINX_PATH: no 'my-nginx' on PATH/ })
  t.same(findNginx('my-nginx', dir), { problem: "no 'my-nginx' on PATH; install nginx (Debian: apt-get install nginx-light) or set NGINX_PATH to its binary" })
})
