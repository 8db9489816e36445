import { ChildSupervisor } from '../process/child-supervisor.js'

/**
 * The watchdog every nginx runs under, as `sh -c`. It keeps nginx alive while the manager is
 * gone for less than the grace (a restarted manager adopts the edge), and stops it once
 * manager.alive is older than that: an orphaned nginx must not outlive its manager for long.
 * When nginx ends, the watchdog signals its own process group, so the nginx worker (which
 * survives a SIGKILLed master and keeps the port) goes too; after a SIGKILLed master it first
 * lets that worker serve for a few seconds while the replacement binds the same port (reuseport),
 * so players never meet a refused connection on a URL still listed.
 * Arguments: nginx binary, prefix, config file, alive file, grace in seconds.
 */
export const WATCHDOG_SCRIPT = `
nginx_bin=$1 prefix=$2 conf=$3 alive=$4 grace=$5
"$nginx_bin" -p "$prefix" -c "$conf" -e "$prefix/error.log" &
n=$!
# a few forks per check, and pids may be scarce: check about five times per grace, at most every 5s
step=$((grace / 5)); [ "$step" -lt 1 ] && step=1; [ "$step" -gt 5 ] && step=5
(
  while kill -0 "$n" 2>/dev/null; do
    now=$(date +%s)
    seen=$(stat -c %Y "$alive" 2>/dev/null || echo 0)
    if [ $((now - seen)) -gt "$grace" ]; then
      echo "edge-watchdog: $alive is older than \${grace}s, stopping nginx $n" >&2
      kill -QUIT "$n" 2>/dev/null
      i=0
      while kill -0 "$n" 2>/dev/null && [ "$i" -lt 20 ]; do sleep 0.25; i=$((i + 1)); done
      kill -KILL 0
    fi
    sleep "$step"
  done
) &
trap 'kill -QUIT "$n" 2>/dev/null' TERM INT
rc=0
wait "$n" || rc=$?
while kill -0 "$n" 2>/dev/null; do wait "$n" || rc=$?; done
trap '' TERM QUIT
# a master killed outright (137) leaves its worker serving the port; the manager starts a
# replacement on the same port (reuseport) within a moment, so hand over instead of refusing
# connections: keep the worker a few seconds, then let it finish its requests and go
if [ "$rc" -eq 137 ]; then
  sleep 5
  kill -QUIT 0 2>/dev/null
  sleep 5
fi
kill -TERM 0 2>/dev/null
exit "$rc"
`

export interface WatchdogOptions {
  readonly nginxPath: string
  readonly prefix: string
  readonly configPath: string
  readonly aliveFile: string
  readonly graceSeconds: number
  /** Where the watchdog and nginx write what they say before nginx has its error log open. */
  readonly stderrFd: number
}

/**
 * nginx under its watchdog, not yet started. It runs in a new session, so that signals aimed at
 * the manager's process group (a SIGKILL of the manager with its group) leave the edge serving;
 * its pid is the process group of the watchdog, nginx and its workers. It is ready only once the
 * caller has seen nginx answer (markReady): an exit before that is a failure to start.
 */
export function superviseWatchdog (options: WatchdogOptions): ChildSupervisor {
  return new ChildSupervisor({
    file: 'sh',
    args: ['-c', WATCHDOG_SCRIPT, 'edge-watchdog', options.nginxPath, options.prefix, options.configPath, options.aliveFile, String(options.graceSeconds)],
    ownGroup: true,
    // the manager may exit while its edges keep serving: do not hold its event loop
    unref: true,
    readyOnSpawn: false,
    stdio: ['ignore', 'ignore', options.stderrFd]
  })
}
