import { execFile } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import t from 'tap'
import { edgeSecret } from '../../../internal/auth/playback-signature.js'
import {
  edgeTemplateValues, loadEdgeTemplate, renderEdgeConfig, secureLinkDirectives, type EdgeNginxParams
} from '../../../internal/edges/edge-nginx-config.js'
import { findNginx, resolveNginx } from '../../../internal/edges/nginx-binary.js'
import { renderTemplate } from '../../../internal/edges/nginx-template.js'

const run = promisify(execFile)

const params: EdgeNginxParams = {
  id: 'edge-8101', port: 8101, listenHost: '127.0.0.1', prefix: '/srv/edges/edge-8101', originUrl: 'http://127.0.0.1:8001',
  cacheMaxSize: '1g', segmentCacheValid: '1h', runAsUser: undefined, signingKey: undefined
}
const KEY = 'edges-template-signing-key-0123456789abcdef'
const count = (text: string, part: string): number => text.split(part).length - 1

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
  t.equal(v.ORIGIN_SERVERS, 'server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;')
  t.equal(v.ORIGIN_SCHEME, 'http')
  t.match(v.USER_DIRECTIVE, /^#/)
  const tls = edgeTemplateValues({ ...params, listenHost: '::1', originUrl: 'https://origin.example', runAsUser: 'root' })
  t.equal(tls.LISTEN, '[::1]:8101')
  t.equal(tls.ORIGIN_SERVERS, 'server origin.example:443 max_fails=1 fail_timeout=2s;')
  const replicas = edgeTemplateValues({ ...params, originBackups: ['http://127.0.0.1:8011'] })
  t.equal(replicas.ORIGIN_SERVERS, 'server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;\n    server 127.0.0.1:8011 max_fails=1 fail_timeout=2s;', 'one server per origin replica, in order')
  t.throws(() => edgeTemplateValues({ ...params, originBackups: ['http://a;b{x}:8011'] }), /not a plain host and port/)
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
    'proxy_cache_valid 200 1h;', 'proxy_ignore_headers Cache-Control Expires', 'proxy_cache_key $uri$is_args$args;', 'proxy_cache_valid 200 1s;',
    'proxy_cache_use_stale updating;', 'proxy_cache_key $uri?b=$arg_b;', 'open_file_cache max=10000 inactive=60s;', 'stub_status;',
    'location = /_edge/healthz', 'add_header Access-Control-Allow-Origin "*" always;', 'add_header X-Cache-Status $upstream_cache_status always;',
    'listen 127.0.0.1:8101 reuseport;', 'server 127.0.0.1:8001 max_fails=1 fail_timeout=2s;',
    'proxy_next_upstream error timeout http_502 http_503 http_504;'
  ]) t.ok(text.includes(directive), directive)
  t.throws(() => renderEdgeConfig('{{PREFIX}}', { ...params, prefix: '/a b' }), /white space/)
})

t.test('without SIGNING_KEY the HLS locations check no token', async (t) => {
  const text = renderEdgeConfig(await loadEdgeTemplate(), params)
  t.notMatch(text, /^\s*(secure_link|if \(\$secure_link)/m, 'no secure_link directive')
  t.notMatch(text, /\$secure_link/)
  t.equal(count(text, '# SIGNING_KEY is not set: no playback token checked here'), 2, 'a comment in the segment and playlist locations')
  t.ok(text.includes('proxy_cache_key $uri;'))
})

t.test('with SIGNING_KEY both HLS locations check st/exp against the derived secret, never the key', async (t) => {
  const text = renderEdgeConfig(await loadEdgeTemplate(), { ...params, signingKey: KEY })
  const secret = edgeSecret(KEY)
  t.notMatch(text, KEY, 'the signing key itself stays out of nginx.conf')
  for (const line of [
    'secure_link $arg_st,$arg_exp;',
    `secure_link_md5 "$secure_link_expires$zdhls_signal_prefix ${secret}";`,
    'if ($secure_link = "") { rewrite ^ /_edge/token-invalid last; }',
    'if ($secure_link = "0") { rewrite ^ /_edge/token-expired last; }'
  ]) t.equal(count(text, `\n      ${line}\n`), 2, `segment and playlist locations: ${line}`)
  const segment = text.slice(text.indexOf('# segments:'), text.indexOf('# playlists: players load them here'))
  const playlist = text.slice(text.indexOf('# playlists: players load them here'), text.indexOf('# the Content Steering answer'))
  for (const [name, block] of [['segment', segment], ['playlist', playlist]] as const) {
    t.ok(block.indexOf('secure_link $arg_st') < block.indexOf('proxy_pass'), `${name}: checked before it is proxied`)
    t.match(block, /secure_link_md5/, `${name}: checked`)
  }
  const probes = text.slice(text.indexOf('location = /_edge/healthz'), text.indexOf('# refused playback tokens'))
  t.notMatch(probes, /secure_link/, "the manager's /_edge/healthz and /_edge/status stay open")
  const logged = 'access_log /srv/edges/edge-8101/cache.log zdhls_cache buffer=16k flush=1s if=\\$zdhls_segment;'
  t.match(text, new RegExp(`location = /_edge/token-invalid \\{\\s+internal;\\s+types \\{ \\}\\s+default_type text/plain;\\s+${logged}\\s+return 403 "edge: playback token missing or invalid\\\\n";`))
  t.match(text, new RegExp(`location = /_edge/token-expired \\{\\s+internal;\\s+types \\{ \\}\\s+default_type text/plain;\\s+${logged}\\s+return 403 "edge: playback token expired\\\\n";`))
  t.ok(text.includes('proxy_cache_key $uri;'), 'the token does not split the cache')
  t.match(text, /map \$uri \$zdhls_signal_prefix \{/)
})

t.test('only segment answers go to cache.log, one cache status word a line, buffered', async (t) => {
  const text = renderEdgeConfig(await loadEdgeTemplate(), params)
  t.ok(text.includes("log_format zdhls_cache '$upstream_cache_status';"))
  const line = 'access_log /srv/edges/edge-8101/cache.log zdhls_cache buffer=16k flush=1s;'
  t.equal(count(text, line), 1, 'one unconditional access_log')
  const segment = text.slice(text.indexOf('# segments:'), text.indexOf('# playlists: players load them here'))
  const playlist = text.slice(text.indexOf('# playlists: players load them here'), text.indexOf('# the Content Steering answer'))
  t.ok(segment.includes(line), 'in the segment location')
  const signed = renderEdgeConfig(await loadEdgeTemplate(), { ...params, signingKey: KEY })
  const signedSegment = signed.slice(signed.indexOf('# segments:'), signed.indexOf('# playlists change'))
  t.ok(signedSegment.includes('set $zdhls_segment 1;') && signedSegment.indexOf('set $zdhls_segment 1;') < signedSegment.indexOf('secure_link $arg_st'),
    'marked before the token check can send it to a 403 location')
  t.notMatch(playlist, /access_log/, 'playlists are not counted')
  t.match(text, /\n {2}access_log off;\n/, 'everything else logs nothing')
  t.equal(count(text, 'if=$zdhls_segment;'), 3, 'the three refused-token locations log only requests that came from the segment location')
})

t.test('secureLinkDirectives takes only a base64url secret: it lands inside a quoted nginx string', async (t) => {
  t.match(secureLinkDirectives(edgeSecret(KEY)), /secure_link_md5 "\$secure_link_expires\$zdhls_signal_prefix [A-Za-z0-9_-]{43}";/)
  for (const bad of ['short', 'abcdefghijklmnop"; deny all; #', 'abcdefghijklmnop qrst', 'abcdefghijklmnop$uri']) {
    t.throws(() => secureLinkDirectives(bad), /base64url/, bad)
  }
})

t.test('nginx itself accepts the rendered template, with and without SIGNING_KEY', async (t) => {
  const nginx = resolveNginx(undefined)
  for (const signingKey of [undefined, KEY]) {
    const prefix = await mkdtemp(join(tmpdir(), 'edge-template-'))
    t.teardown(async () => { await rm(prefix, { recursive: true, force: true }) })
    await mkdir(join(prefix, 'tmp'))
    await mkdir(join(prefix, 'cache'))
    const conf = join(prefix, 'nginx.conf')
    await writeFile(conf, renderEdgeConfig(await loadEdgeTemplate(), {
      ...params, prefix, runAsUser: process.getuid?.() === 0 ? 'root' : undefined, signingKey
    }))
    const result = await run(nginx, ['-t', '-p', prefix, '-c', conf, '-e', join(prefix, 'error.log')])
    t.match(result.stderr, /test is successful/, signingKey === undefined ? 'unsigned' : 'signed')
  }
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
