/**
 * The environment for a child process a test starts: ours with `extra` on top, minus what belongs
 * to the test process alone. tap's loaders (NODE_OPTIONS) are for the test process. NODE_V8_COVERAGE
 * is left out too: children load TypeScript through tsx, whose output c8 neither maps back to lines
 * nor merges with the test loader's coverage of the same files, so letting them write coverage made
 * the numbers vary by several points between runs of one tree. Coverage counts what the test
 * processes run.
 */
export function childEnv (extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  delete env.NODE_OPTIONS
  delete env.NODE_V8_COVERAGE
  return env
}
