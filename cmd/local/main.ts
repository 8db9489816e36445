import { loadCommonConfig } from '../../internal/config/common-config.js'
import { ConfigError } from '../../internal/config/config-error.js'
import { readOriginPort } from '../../internal/config/peer-addresses.js'
import { LOCAL_PROFILES, localComponents, type LocalProfile, type LocalRuntime } from '../../internal/local/local-components.js'
import { ProcessGroup } from '../../internal/local/process-group.js'
import { prepareIngestStream } from '../../internal/local/ingest-stream-key.js'

// A developer tool, not a service: it only multiplexes the real entrypoints' output.
const profile = (process.argv[2] ?? 'default') as LocalProfile
if (!LOCAL_PROFILES.includes(profile)) {
  process.stderr.write(`run-local: unknown profile '${profile}', allowed: ${LOCAL_PROFILES.join(', ')}\n`)
  process.exit(2)
}
// compiled (`make run-local`: build/cmd/local/main.js) starts compiled services; source starts source
const runtime: LocalRuntime = import.meta.url.endsWith('.js') ? 'compiled' : 'source'
// the same readers as the services, so a bad value stops here with the line a service would print
let outputPath: string
let originPort: number
try {
  outputPath = loadCommonConfig(process.env).outputPath
  originPort = readOriginPort(process.env)
} catch (err) {
  if (!(err instanceof ConfigError)) throw err
  process.stderr.write(`run-local: ${err.message}\n`)
  process.exit(2)
}
if (profile === 'ingest') {
  await prepareIngestStream().catch((err: unknown) => {
    process.stderr.write(`${(err as Error).message}\n`)
    process.exit(2)
  })
}
const components = localComponents(profile, outputPath, originPort, runtime)
const group = new ProcessGroup(components, { cwd: process.cwd(), env: process.env, out: process.stdout, color: process.stdout.isTTY === true })
let stopping = false
// Ctrl-C signals the whole foreground group, children included: they are already stopping
const stop = (signal: NodeJS.Signals): void => {
  if (stopping) process.exit(1)
  stopping = true
  process.stdout.write('stopping every component…\n')
  group.close(signal === 'SIGINT' ? 5000 : 0).then(() => process.exit(0), () => process.exit(1))
}
process.on('SIGINT', stop)
process.on('SIGTERM', stop)
group.start()
