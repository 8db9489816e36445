// Two test files run at once on two cores. A few real-time tests each keep about one core busy on
// their own (two Chromium players beside a stack): two of them side by side starve both, and a
// player with two seconds of low-latency reserve stalls for what was the machine, not the product
// (a fresh clone: ingest-live beside ll-hls-player, every player of the LL test stalled, its
// control too). Files that take the same turn here never overlap; any other file may run beside
// them. A turn is a file created exclusively in the temp folder, holding its owner's PID: a turn
// left by a process that is gone is taken over.
import { open, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { waitFor } from './wait-for.js'

/** Turns tests take; each name is one exclusive turn. */
export type Turn = 'realtime-players'

function isAlive (pid: number): boolean {
  try {
    process.kill(pid, 0)
    return true
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'
  }
}

async function tryTake (path: string): Promise<boolean> {
  try {
    const file = await open(path, 'wx')
    await file.writeFile(`${process.pid}\n`)
    await file.close()
    return true
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err
  }
  const owner = Number((await readFile(path, 'utf8').catch(() => '')).trim())
  // a turn being written has no PID yet: only a turn whose owner is gone is taken over
  if (Number.isInteger(owner) && owner > 0 && !isAlive(owner)) await rm(path, { force: true })
  return false
}

/** Waits for `turn`, holds it until `t` ends, and says in a comment how long it waited. */
export async function takeTurn (t: { teardown: (fn: () => unknown) => void, comment: (msg: string) => void }, turn: Turn, timeoutMs = 240_000): Promise<void> {
  const path = join(tmpdir(), `hls-pipeline-test-turn-${turn}`)
  const asked = Date.now()
  await waitFor(`the ${turn} turn (another test file holds ${path})`, async () => await tryTake(path), { timeoutMs, intervalMs: 250 })
  t.teardown(async () => { await rm(path, { force: true }) })
  t.comment(`${turn} turn taken after ${Date.now() - asked} ms`)
}
