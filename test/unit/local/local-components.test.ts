import t from 'tap'
import { existsSync } from 'node:fs'
import path from 'node:path'
import { LOCAL_PROFILES, localComponents, serviceEntry } from '../../../internal/local/local-components.js'
import { PROJECT_ROOT } from '../../support/project-root.js'

t.test('run-local starts compiled entrypoints with plain node by default', async (t) => {
  for (const profile of LOCAL_PROFILES) {
    for (const component of localComponents(profile, 'output')) {
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
    for (const component of source) {
      t.match(component.entry, /^cmd\/[a-z-]+\/main\.ts$/)
      t.same(component.nodeArgs, ['--import', 'tsx'])
    }
  }
  t.same(serviceEntry('origin', 'compiled'), { entry: 'build/cmd/origin/main.js', nodeArgs: [] })
  t.same(serviceEntry('origin', 'source'), { entry: 'cmd/origin/main.ts', nodeArgs: ['--import', 'tsx'] })
})
