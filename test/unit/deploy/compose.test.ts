import t from 'tap'
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs'
import path from 'node:path'
import { parse } from 'yaml'
import { PROJECT_ROOT } from '../../support/project-root.js'
import { loadEdgesConfig } from '../../../internal/edges/edges-config.js'
import { loadDiscoveryConfig } from '../../../internal/discovery/discovery-config.js'
import { loadOriginConfig } from '../../../internal/origin/origin-config.js'
import { loadPackagerConfig } from '../../../internal/packager/packager-config.js'
import { loadReporterConfig } from '../../../internal/reporter/reporter-config.js'
import { loadWorkerConfig } from '../../../internal/worker/worker-config.js'
import { loadIngestConfig } from '../../../internal/ingest/ingest-config.js'

// No Docker engine runs where this project is developed: this checks docker-compose.yml and the
// Dockerfile as text, against the code, and never builds or starts a container.
// `yaml` comes with tap (dev only); it is what parses compose's merge keys (<<) here.

interface ComposeService {
  command?: string[]
  environment?: Record<string, string | number | boolean>
  env_file?: string[]
  ports?: string[]
  volumes?: string[]
  depends_on?: string[]
}

const root = PROJECT_ROOT
const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true }) as { services: Record<string, ComposeService>, volumes?: Record<string, unknown> }
// .env is not in the repository; env.example is what an operator copies to it
const envFile = Object.fromEntries(readFileSync(path.join(root, 'assets/docker/env.example'), 'utf8').split('\n')
  .filter((l) => /^[A-Z_][A-Z0-9_]*=/.test(l)).map((l) => [l.slice(0, l.indexOf('=')), l.slice(l.indexOf('=') + 1)]))
const DOCKERFILE = readFileSync(path.join(root, 'assets/docker/Dockerfile'), 'utf8')
// tsconfig.build.json is JSON with comments: drop the comment lines before parsing
const BUILD_CONFIG = JSON.parse(readFileSync(path.join(root, 'tsconfig.build.json'), 'utf8').replace(/^\s*\/\/.*$/gm, '')) as { include: string[], compilerOptions: { outDir: string } }
const BUILD_INCLUDES = BUILD_CONFIG.include
const IMAGE_ENV = Object.fromEntries([...DOCKERFILE.matchAll(/^ENV\s+(.+)$/gm)].flatMap((m) => (m[1] ?? '').split(/\s+/).map((kv) => kv.split('=') as [string, string])))

/** What the entrypoint sees: image ENV, then env_file, then environment (compose's order). */
function envOf (service: ComposeService): Record<string, string> {
  const fromFile = (service.env_file ?? []).length > 0 ? envFile : {}
  // compose interpolates ${VAR:-default} from the shell; with nothing set, the default
  const interpolate = (v: string): string => v.replace(/\$\{[A-Z_][A-Z0-9_]*:-([^}]*)\}/g, '$1')
  return { ...IMAGE_ENV, ...fromFile, ...Object.fromEntries(Object.entries(service.environment ?? {}).map(([k, v]) => [k, interpolate(String(v))])) }
}

/** The source entrypoint (cmd/<x>/main.ts) of the compiled one a command runs (build/cmd/<x>/main.js). */
function entryOf (service: ComposeService): string | undefined {
  const compiled = service.command?.find((part) => /^build\/cmd\/[a-z-]+\/main\.js$/.test(part))
  return compiled?.replace(/^build\//, '').replace(/\.js$/, '.ts')
}

// entrypoints that are not long-running services of a deployment
const NOT_SERVICES = new Set(['local', 'sign-url'])

t.test('docker-compose.yml parses and every service runs the compiled form of an existing entrypoint with plain node', async (t) => {
  const services = Object.entries(compose.services)
  t.ok(services.length >= 6, `${services.length} services`)
  for (const [name, service] of services) {
    const entry = entryOf(service)
    t.ok(entry !== undefined, `${name}: command names a build/cmd/<x>/main.js (${JSON.stringify(service.command)})`)
    if (entry === undefined) continue
    t.ok(existsSync(path.join(root, entry)), `${name}: ${entry} exists`)
    t.ok(BUILD_INCLUDES.includes('cmd/**/*.ts'), `${name}: tsconfig.build.json compiles ${entry}`)
    t.same(service.command, ['node', `build/${entry.replace(/\.ts$/, '.js')}`], `${name}: plain node, no TypeScript loader`)
  }
  const deployed = new Set(services.map(([, s]) => entryOf(s)?.split('/')[1]))
  for (const dir of readdirSync(path.join(root, 'cmd'))) {
    if (NOT_SERVICES.has(dir)) continue
    t.ok(deployed.has(dir), `cmd/${dir} runs in some compose service`)
  }
})

t.test('every service gets the env it needs: its config loads, packagers are named, the token comes from env_file', async (t) => {
  for (const [name, service] of Object.entries(compose.services)) {
    t.same(service.env_file, ['.env'], `${name}: env_file .env (REPORTER_TOKEN)`)
    t.notOk(Object.keys(service.environment ?? {}).includes('REPORTER_TOKEN'), `${name}: the token is not written into compose`)
    const env = envOf(service)
    t.equal(env.HOST, '0.0.0.0', `${name}: listens beyond loopback inside its container`)
    t.ok(env.REPORTER_TOKEN !== undefined && env.REPORTER_TOKEN.length >= 8, `${name}: REPORTER_TOKEN reaches it`)
  }
  const s = compose.services
  const reporter = loadReporterConfig(envOf(s.reporter as ComposeService))
  t.ok(reporter.token !== undefined, 'reporter: starts with a token on 0.0.0.0')
  for (const packager of ['server1', 'server2'] as const) {
    const env = envOf(s[packager] as ComposeService)
    t.equal(env.PACKAGER_NAME, packager, `${packager}: PACKAGER_NAME`)
    t.equal(loadPackagerConfig(env).name, packager)
  }
  const discovery = loadDiscoveryConfig(envOf(s.discovery as ComposeService))
  const origin = loadOriginConfig(envOf(s.origin as ComposeService))
  loadWorkerConfig(envOf(s.worker as ComposeService))
  const edges = loadEdgesConfig(envOf(s.edges as ComposeService))
  t.equal(edges.reporterToken, envFile.REPORTER_TOKEN, 'edges: authenticates its heartbeats')
  t.equal(discovery.reporterToken, envFile.REPORTER_TOKEN, 'discovery: authenticates its reports')
  // what discovery reports is what the origin allows, by compose host name: otherwise the origin
  // would drop every packager the reporter names
  t.same([...discovery.packagerUrls].sort(), [...origin.packagerAllowlist].sort(), 'discovery packagers = origin allow-list')
  for (const url of [...origin.packagerAllowlist, ...origin.reporterUrls, ...discovery.reporterUrls, ...edges.reporterUrls, edges.originUrl]) {
    const { hostname, port } = new URL(url)
    const target = s[hostname]
    t.ok(target !== undefined, `${url}: ${hostname} is a compose service`)
    if (target === undefined) continue
    const env = envOf(target)
    const listens = hostname === 'reporter' ? loadReporterConfig(env).port : hostname === 'origin' ? loadOriginConfig(env).port : loadPackagerConfig(env).port
    t.equal(Number(port), listens, `${url}: ${hostname} listens on ${listens}`)
  }
})

t.test('every published port is the port the service listens on by default', async (t) => {
  const s = compose.services
  const portOf: Record<string, (env: Record<string, string>) => number> = {
    reporter: (env) => loadReporterConfig(env).port,
    server1: (env) => loadPackagerConfig(env).port,
    server2: (env) => loadPackagerConfig(env).port,
    origin: (env) => loadOriginConfig(env).port,
    discovery: (env) => loadDiscoveryConfig(env).port,
    ingest: (env) => loadIngestConfig(env).rtmpPort
  }
  // the ingest's is RTMP's own port, where OBS and encoders push by default
  const expected: Record<string, number> = { reporter: 2000, server1: 8080, server2: 9090, origin: 8001, ingest: 1935 }
  // edges publish the range their nginx processes take: basePort .. basePort + portSpan - 1
  const edges = loadEdgesConfig(envOf(s.edges as ComposeService))
  const range = `${edges.basePort}-${edges.basePort + edges.portSpan - 1}`
  t.same(s.edges?.ports, [`${range}:${range}`], `edges: publishes ${range}, the ports its edges listen on`)
  t.equal(edges.basePort, 8101, 'edges: from the default base port')
  t.ok(edges.scale.max <= edges.portSpan, `edges: EDGES_MAX (${edges.scale.max}) fits the published span (${edges.portSpan})`)
  for (const [name, service] of Object.entries(s)) {
    if (name === 'edges') continue
    for (const mapping of service.ports ?? []) {
      const match = /^(?:(\d+):)?(\d+)$/.exec(mapping)
      t.ok(match !== null, `${name}: '${mapping}' is host:container`)
      const listens = portOf[name]?.(envOf(service))
      t.equal(Number(match?.[2]), listens, `${name}: container port ${match?.[2] ?? ''} is where it listens`)
      t.equal(Number(match?.[1] ?? match?.[2]), expected[name], `${name}: published on the Go original's default (docs/design.md)`)
    }
  }
  for (const name of Object.keys(expected)) t.ok((s[name]?.ports ?? []).length > 0, `${name} is published`)
})

t.test('volumes: the worker writes where packagers and discovery read; they read only', async (t) => {
  const s = compose.services
  const output = envOf(s.worker as ComposeService).OUTPUT_STREAM_PATH
  t.ok(output !== undefined)
  t.same(s.worker?.volumes, [`hls-output:${output ?? ''}`])
  for (const name of ['server1', 'server2', 'discovery']) {
    t.same(s[name]?.volumes, [`hls-output:${output ?? ''}:ro`], `${name} mounts the output read-only`)
    t.equal(envOf(s[name] as ComposeService).OUTPUT_STREAM_PATH, output)
  }
  t.ok(compose.volumes !== undefined && 'hls-output' in compose.volumes, 'the named volume is declared')
})

t.test('the Dockerfile copies only what exists and what the commands need', async (t) => {
  // a COPY --from=<stage> copies out of an earlier stage of the image, not from the repository
  const copies = [...DOCKERFILE.matchAll(/^COPY\s+(?!--from=)(.+)$/gm)].map((m) => (m[1] ?? '').trim().split(/\s+/))
  t.ok(copies.length >= 4)
  const copied = new Set<string>()
  for (const parts of copies) {
    for (const src of parts.slice(0, -1)) {
      t.ok(existsSync(path.join(root, src)), `COPY ${src}: exists`)
      copied.add(src.replace(/\/$/, ''))
    }
  }
  for (const needed of ['package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json', 'cmd', 'internal', 'assets']) t.ok(copied.has(needed), `${needed} is copied`)
  t.ok(statSync(path.join(root, 'assets/make-sample-input.sh')).isFile(), 'the sample input script the image runs exists')
  t.match(DOCKERFILE, /^FROM \S+ AS build$/m, 'a build stage')
  t.match(DOCKERFILE, /^RUN npx tsc -p tsconfig\.build\.json/m, 'which compiles with the build config')
  t.equal(BUILD_CONFIG.compilerOptions.outDir, 'build', 'into build/, where the commands look')
  t.match(DOCKERFILE, /^COPY --from=build \/app\/build build$/m, 'the final stage takes the compiled build/')
  t.match(DOCKERFILE, /ln -s \.\.\/assets build\/assets/, 'and links build/assets, where compiled code resolves its templates')
  t.match(DOCKERFILE, /^RUN npm ci --omit=dev /m, 'with runtime dependencies only')
  // npm ci --omit=dev drops devDependencies: whatever the compiled services import must be a dependency
  const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { dependencies: Record<string, string> }
  for (const name of bareImportsOf(['cmd', 'internal'])) t.ok(pkg.dependencies[name] !== undefined, `${name}, imported by a service, is a runtime dependency`)
  t.match(DOCKERFILE, /^USER node$/m, 'runs as a non-root user')
})

/** Package names that the .ts files under these folders import or require. */
function bareImportsOf (dirs: readonly string[]): Set<string> {
  const names = new Set<string>()
  const visit = (dir: string): void => {
    for (const entry of readdirSync(path.join(root, dir), { withFileTypes: true })) {
      const rel = path.join(dir, entry.name)
      if (entry.isDirectory()) visit(rel)
      else if (entry.name.endsWith('.ts')) {
        const text = readFileSync(path.join(root, rel), 'utf8')
        for (const m of text.matchAll(/(?:from\s+|target:\s*|import\(|require\(|\)\(|require\.resolve\(|\.resolve\()'(@?[a-z][\w.-]*(?:\/[\w.-]+)*)'/g)) {
          const spec = m[1] ?? ''
          if (spec.startsWith('node:')) continue
          names.add(spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : (spec.split('/')[0] ?? spec))
        }
      }
    }
  }
  for (const dir of dirs) visit(dir)
  return names
}
