/**
 * "Stream X is being published on ingest node N": written by the ingest node that took the
 * publish (through the reporter), refreshed while it lasts, read by the workers of X, which pull
 * it from `pull_url` with `play_token`. Main and backup are separate records, each held by one
 * publish session at a time (a lease in the registry): a second publisher on a live key is refused.
 */
export interface PublishRecord {
  readonly stream: string
  /** `main` (rtmp://…/live/<key>) or `backup` (rtmp://…/backup/<key>): workers prefer main. */
  readonly role: PublishRole
  /** The ingest node's id (INGEST_ID). */
  readonly ingest: string
  /** One connect of one publisher; a reconnect is a new session with a new anchor. */
  readonly session: string
  /** Where workers pull it: the ingest's RTMP URL of the stream, without the token. */
  readonly pull_url: string
  /** The session's play secret: the ingest lets a puller in only with it; never answered by a public read. */
  readonly play_token: string
  readonly started_at: string
  /**
   * The live epoch lock: the publisher's source time `source_ms` is epoch time `epoch_ms`. Null until
   * the ingest has seen the first picture; every worker of the session maps frames by this one anchor.
   */
  readonly anchor: PublishAnchor | null
  readonly has_audio: boolean
}

export interface PublishAnchor {
  readonly source_ms: number
  readonly epoch_ms: number
  /**
   * How long the ingest took to see that picture: epoch_ms is when it answered, so pictures map up
   * to this much later than they arrive, and a new pull's first pictures land that much later.
   */
  readonly probe_ms: number
}

export const PUBLISH_ROLES = ['main', 'backup'] as const
export type PublishRole = typeof PUBLISH_ROLES[number]

/** Registry id of a publish record and name of its lease. */
export function publishId (stream: string, role: PublishRole): string {
  return `${stream}.${role}`
}

/** A record as public reads answer it: the play secret is only said to exist. */
export function publicPublish ({ play_token: token, ...rest }: PublishRecord): Omit<PublishRecord, 'play_token'> {
  return rest
}

/**
 * The publish a worker should encode: main when it has an anchor, else backup with one; main is
 * preferred whenever both are usable, so a returning main takes over again.
 */
export function preferredPublish (records: readonly PublishRecord[]): PublishRecord | undefined {
  const usable = records.filter((r) => r.anchor !== null)
  return usable.find((r) => r.role === 'main') ?? usable.find((r) => r.role === 'backup')
}
