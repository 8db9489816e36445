import t from 'tap'
import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { childEnv } from '../../support/child-env.js'
import { PROJECT_ROOT } from '../../support/project-root.js'

const run = promisify(execFile)

/** Runs `make run-local`'s entrypoint with `env`; a bad value must stop it before any component starts. */
async function runLocal (env: Record<string, string>, profile = 'default'): Promise<{ code: number, stdout: string, stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', 'cmd/local/main.ts', profile], { cwd: PROJECT_ROOT, env: childEnv(env), timeout: 30_000 })
    return { code: 0, stdout, stderr }
  } catch (err) {
    const failed = err as { code?: number, stdout?: string, stderr?: string }
    return { code: failed.code ?? -1, stdout: failed.stdout ?? '', stderr: failed.stderr ?? '' }
  }
}

t.test('run-local reads ORIGIN_PORT and OUTPUT_STREAM_PATH with the services\' rules: a bad value is one line and exit 2', async (t) => {
  for (const [env, line] of [
    [{ ORIGIN_PORT: 'junk' }, "run-local: ORIGIN_PORT: 'junk' is not a TCP port from 0 to 65535\n"],
    [{ ORIGIN_PORT: '99999' }, "run-local: ORIGIN_PORT: '99999' is not a TCP port from 0 to 65535\n"],
    [{ HOST: 'G:' }, "run-local: HOST: 'G:' is not a host name or IP address\n"]
  ] as const) {
    const result = await runLocal(env)
    t.equal(result.code, 2, `${JSON.stringify(env)}: exit 2`)
    t.equal(result.stderr, line, `${JSON.stringify(env)}: one line naming the variable`)
    t.equal(result.stdout, '', 'no component was started')
  }
})

t.test('an unknown profile is one line listing the allowed ones', async (t) => {
  const result = await runLocal({}, 'bogus')
  t.equal(result.code, 2)
  t.match(result.stderr, /^run-local: unknown profile 'bogus', allowed: default, /)
  t.equal(result.stdout, '')
})
