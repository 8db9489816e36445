/**
 * The environment for a child process a test starts: ours with `extra` on top, minus what belongs
 * to the test process alone, and with coverage off. Children run compiled JavaScript (or tsx),
 * which c8 neither maps back to lines nor merges with the test loader's coverage of the same
 * files: a file recorded by both came out as one line in the report, and the totals varied by
 * several points between runs of one tree. Coverage counts what the test processes run.
 * Deleting NODE_OPTIONS is not enough: tap's processinfo hooks every spawn and adds its import back,
 * and that import records coverage unless _TAPJS_PROCESSINFO_COVERAGE_ is '0' in the child's env.
 */
export function childEnv (extra: Readonly<Record<string, string | undefined>> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra }
  delete env.NODE_OPTIONS
  delete env.NODE_V8_COVERAGE
  env._TAPJS_PROCESSINFO_COVERAGE_ = '0'
  return env
}
