import type { PublishRecord, PublishRole } from '../streams/publish-record.js'

/**
 * Which pulls a push stream keeps, in which order. Pure: a function of the pulls running, the
 * publish records the worker last read and `now`.
 *
 * A publish whose record is gone still gives what its pull finished: its last whole MSNs reach a
 * worker's encoder up to an encode later than the end of the publish, and workers read the
 * records at different moments. Closing the pull as soon as the record is gone let one worker
 * lose an MSN the other had taken, and switch to the backup one MSN earlier (a discontinuity at
 * different MSNs on the two copies). An ended pull stays `drainMs` (an MSN and its grace: by then
 * every MSN it could give has been decided) and keeps its place ahead of the backup.
 */
export interface PullView {
  readonly session: string
  readonly role: PublishRole
  /** When the worker first saw its record gone; undefined while the publish lasts. */
  readonly endedAtMs?: number
}

export interface PullPlan {
  /** Anchored publishes no pull follows yet. */
  readonly start: readonly PublishRecord[]
  /** Pulls whose record is gone from now on. */
  readonly ending: readonly string[]
  /** Pulls ended at least `drainMs` ago (a record back by then gets a new pull: a session that went away is over for its pull). */
  readonly close: readonly string[]
  /** Every pull kept (started ones too), the preferred first: main before backup, a live one before an ended one. */
  readonly order: readonly string[]
}

const ROLE_RANK: Readonly<Record<PublishRole, number>> = { main: 0, backup: 1 }

export function planPulls (pulls: readonly PullView[], records: readonly PublishRecord[], now: number, drainMs: number): PullPlan {
  const anchored = records.filter((r) => r.anchor !== null)
  const live = new Set(anchored.map((r) => r.session))
  const start = anchored.filter((r) => !pulls.some((p) => p.session === r.session))
  const ending = pulls.filter((p) => p.endedAtMs === undefined && !live.has(p.session)).map((p) => p.session)
  const close = pulls.filter((p) => p.endedAtMs !== undefined && now - p.endedAtMs >= drainMs).map((p) => p.session)
  const kept = [
    ...pulls.filter((p) => !close.includes(p.session)).map((p) => ({ session: p.session, role: p.role, ended: p.endedAtMs !== undefined || !live.has(p.session) })),
    ...start.map((r) => ({ session: r.session, role: r.role, ended: false }))
  ]
  // a stable sort: among equals the older pull stays first
  const order = kept
    .sort((a, b) => ROLE_RANK[a.role] - ROLE_RANK[b.role] || Number(a.ended) - Number(b.ended))
    .map((p) => p.session)
  return { start, ending, close, order }
}
