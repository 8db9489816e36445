import t from 'tap'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { LOCAL_PROFILES, localComponents, serviceEntry } from '../../../internal/local/local-components.js'
import { INGEST_STREAMS_FILE, ingestStreamsFile } from '../../../internal/local/ingest-components.js'
import { parseStreamDefinition } from '../../../internal/streams/stream-definition.js'
import { PROJECT_ROOT } from '../../support/project-root.js'

t.test('run-local starts compiled entrypoints with plain node by default', async (t) => {
  for (const profile of LOCAL_PROFILES) {
    for (const component of localComponents(profile, 'output')) {
      if (component.programArgs !== undefined) continue
      t.match(component.entry, /^build\/cmd\/[a-z-]+\/main\.js$/, `${profile} ${component.name}: ${component.entry}`)
      t.same(component.nodeArgs, [], `${profile} ${component.name}: no loader`)
      const source = component.entry.replace(/^build\//, '').replace(/\.js$/, '.ts')
      t.ok(existsSync(path.join(PROJECT_ROOT, source)), `${profile} ${component.name}: compiled from ${source}`)
    }
  }
})

t.test('the source runtime runs the same services through tsx, with the same names and env', async (t) => {
  for (const profile of LOCAL_PROFILES) {
    const compiled = localComponents(profile, 'output', 8001, 'compiled')
    const source = localComponents(profile, 'output', 8001, 'source')
    t.same(source.map((c) => [c.name, c.env, c.withhold]), compiled.map((c) => [c.name, c.env, c.withhold]), `${profile}: same components`)
    for (const component of source.filter((c) => c.programArgs === undefined)) {
      t.match(component.entry, /^cmd\/[a-z-]+\/main\.ts$/)
      t.same(component.nodeArgs, ['--import', 'tsx'])
    }
  }
  t.same(serviceEntry('origin', 'compiled'), { entry: 'build/cmd/origin/main.js', nodeArgs: [] })
  t.same(serviceEntry('origin', 'source'), { entry: 'cmd/origin/main.ts', nodeArgs: ['--import', 'tsx'] })
})

t.test('multi: a Redis registry, four fleet workers each with its own packager, every packager allowed on the origin', async (t) => {
  const components = localComponents('multi', 'output')
  const byName = new Map(components.map((c) => [c.name, c]))
  t.same(byName.get('redis')?.programArgs?.slice(0, 2), ['--port', '6390'])
  t.equal(byName.get('redis')?.entry, 'redis-server')
  t.equal(byName.get('reporter')?.env.REGISTRY_URL, 'redis://127.0.0.1:6390')
  t.ok(existsSync(path.join(PROJECT_ROOT, byName.get('reporter')?.env.STREAMS_FILE ?? 'absent')), 'its STREAMS_FILE is in the tree')
  const workers = components.filter((c) => c.env.WORKER_ID !== undefined)
  t.same(workers.map((w) => [w.env.WORKER_ID, w.env.WORKER_CAPACITY, w.env.STREAM_FILTER]), [['w1', '3', undefined], ['w2', '3', undefined], ['w3', '3', undefined], ['w4', '3', '^stage']])
  for (const worker of workers) {
    const packager = byName.get(`packager-${worker.env.WORKER_ID ?? ''}`)
    t.equal(packager?.env.PACKAGER_ROOT, worker.env.OUTPUT_STREAM_PATH, `${worker.name}'s packager serves its folder`)
    t.equal(worker.env.WORKER_PACKAGER_URL, `http://localhost:${packager?.env.PACKAGER_PORT ?? ''}`)
    t.ok(byName.get('origin')?.env.PACKAGER_ALLOWLIST?.split(',').includes(worker.env.WORKER_PACKAGER_URL ?? ''), 'the origin may fetch from it')
    t.ok(worker.withhold?.includes('REPORTER_DISCOVERY_TOKEN') === true && worker.withhold?.includes('REPORTER_WORKER_TOKEN') === false, 'a worker keeps only its own token')
  }
  t.equal(new Set(workers.map((w) => w.env.WORKER_METRICS_PORT)).size, 4, 'one metrics port each')
})

t.test('the ingest profile: the ingest node, two workers each on its own packager, the key only in the reporter\'s streams file', async (t) => {
  const components = localComponents('ingest', 'output')
  const byName = new Map(components.map((c) => [c.name, c]))
  t.equal(byName.get('reporter')?.env.STREAMS_FILE, INGEST_STREAMS_FILE)
  t.same(byName.get('ingest')?.withhold?.includes('REPORTER_INGEST_TOKEN'), false, 'the ingest keeps its own token')
  t.same(byName.get('ingest')?.withhold?.includes('REPORTER_WORKER_TOKEN'), true, 'and no other')
  t.same(byName.get('w1')?.withhold?.includes('REPORTER_INGEST_TOKEN'), true, 'a worker cannot claim publishes')
  for (const [worker, packager, port] of [['w1', 'server1', '8080'], ['w2', 'server2', '9090']]) {
    t.equal(byName.get(packager ?? '')?.env.PACKAGER_ROOT, byName.get(worker ?? '')?.env.OUTPUT_STREAM_PATH, `${packager ?? ''} serves ${worker ?? ''}'s folder`)
    t.equal(byName.get(worker ?? '')?.env.WORKER_PACKAGER_URL, `http://localhost:${port ?? ''}`)
  }
  const file = JSON.parse(ingestStreamsFile('a-key-of-mine')) as { streams: unknown[] }
  const live01 = parseStreamDefinition(file.streams[0], 'streams[0]')
  t.same([live01.name, live01.source, live01.stream_key, live01.redundancy], ['live01', { push: true }, 'a-key-of-mine', 2], 'live01 is a push stream with the key, on two workers')
})
