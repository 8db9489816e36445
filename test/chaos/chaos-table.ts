/** One row of the chaos table: what the clients saw from a fault's start until the next fault. */
export interface FaultRow {
  readonly fault: string
  /** A row the design cannot promise zero for (one origin restarting): shown, never failing the run. */
  readonly informational: boolean
  /** A fault made longer than the design absorbs: it must show (a stall or a fatal error), so the rows like it can fail. */
  readonly control?: boolean
  readonly repeats: number
  readonly stalls: number
  readonly stallS: number
  /** The longest single stall. */
  readonly maxStallS?: number
  /** Stalls the design allows this fault per player and repeat, each at most maxS; more or longer fail. */
  readonly allowedStall?: { readonly perPlayer: number, readonly maxS: number }
  readonly fatalErrors: number
  readonly nonFatalErrors: number
  /** Failed requests the browser player saw (>= 400 or network error). */
  readonly playerHttpErrors: number
  readonly watcherHttpErrors: number
  /** Failed requests (players and watcher) to a server the fault itself took down: shown, never failing (FaultRun). */
  readonly faultedHostErrors?: number
  readonly violations: number
  readonly ffmpegWarnings: number
  readonly tsGaps: number
  readonly maxSegmentGapMs: number
  /** Stalls and fatal errors per browser player (`hlsjs#1`, `shaka#1`, ...); the player columns are their sums. */
  readonly byPlayer?: Readonly<Record<string, { readonly stalls: number, readonly fatalErrors: number }>>
}

/** The cells the design says must be zero (docs/design.md, The proof). */
export const MUST_BE_ZERO = ['stalls', 'fatalErrors', 'playerHttpErrors', 'watcherHttpErrors', 'violations'] as const

const COLUMNS: ReadonlyArray<{ key: keyof FaultRow, title: string }> = [
  { key: 'fault', title: 'fault' },
  { key: 'repeats', title: 'n' },
  { key: 'stalls', title: 'stalls' },
  { key: 'stallS', title: 'stall s' },
  { key: 'fatalErrors', title: 'fatal' },
  { key: 'nonFatalErrors', title: 'non-fatal' },
  { key: 'playerHttpErrors', title: 'player HTTP err' },
  { key: 'watcherHttpErrors', title: 'watcher HTTP err' },
  { key: 'faultedHostErrors', title: 'HTTP err at faulted host' },
  { key: 'violations', title: 'rule violations' },
  { key: 'ffmpegWarnings', title: 'ffmpeg warnings' },
  { key: 'tsGaps', title: 'ffmpeg ts gaps' },
  { key: 'maxSegmentGapMs', title: 'max new-seg gap ms' },
  { key: 'byPlayer', title: 'stalls/fatal by player' }
]

function byPlayerText (row: FaultRow): string {
  return Object.entries(row.byPlayer ?? {}).map(([player, n]) => `${player} ${n.stalls}/${n.fatalErrors}`).join(', ')
}

/** Rows that break a must-be-zero cell, with the cells that do; a control row fails when players saw nothing. */
export function failingRows (rows: readonly FaultRow[]): Array<{ fault: string, cells: string[] }> {
  const controls = rows
    .filter((r) => r.control === true && r.stalls === 0 && r.fatalErrors === 0)
    .map((r) => ({ fault: r.fault, cells: ['control not seen by any player'] }))
  const broken = rows
    .filter((r) => !r.informational && r.control !== true)
    .map((r) => ({ fault: r.fault, cells: MUST_BE_ZERO.filter((k) => k === 'stalls' ? !stallsAllowed(r) : r[k] !== 0) as string[] }))
    .filter((r) => r.cells.length > 0)
  return [...broken, ...controls]
}

/** No stall, or within the row's allowance for every player. */
function stallsAllowed (r: FaultRow): boolean {
  if (r.stalls === 0) return true
  const allowed = r.allowedStall
  if (allowed === undefined || (r.maxStallS ?? Infinity) > allowed.maxS) return false
  const players = Object.values(r.byPlayer ?? {})
  return players.length > 0 && players.every((p) => p.stalls <= allowed.perPlayer * r.repeats)
}

/** A fixed-width text table; must-be-zero cells that are not zero are marked with `!`. */
export function formatTable (rows: readonly FaultRow[]): string {
  const cell = (row: FaultRow, key: keyof FaultRow): string => {
    if (key === 'byPlayer') return byPlayerText(row)
    const value = key === 'faultedHostErrors' ? row.faultedHostErrors ?? 0 : row[key]
    const tag = row.control === true ? ' (control: must show)' : row.informational ? ' (info)' : ''
    const text = typeof value === 'number' ? (key === 'stallS' ? value.toFixed(1) : String(value)) : key === 'fault' ? `${String(value)}${tag}` : String(value)
    const bad = !row.informational && row.control !== true && (MUST_BE_ZERO as readonly string[]).includes(key) && (key === 'stalls' ? !stallsAllowed(row) : value !== 0)
    const allowed = key === 'stalls' && row.allowedStall !== undefined && row.stalls > 0 && !bad ? ` (allowed ${row.allowedStall.perPlayer}/player, <=${row.allowedStall.maxS} s)` : ''
    return bad ? `${text}!` : `${text}${allowed}`
  }
  const body = rows.map((r) => COLUMNS.map((c) => cell(r, c.key)))
  const widths = COLUMNS.map((c, i) => Math.max(c.title.length, ...body.map((b) => (b[i] ?? '').length)))
  const last = COLUMNS.length - 1
  const line = (cells: readonly string[]): string => cells.map((s, i) => i === 0 || i === last ? s.padEnd(widths[i] ?? 0) : s.padStart(widths[i] ?? 0)).join(' | ').trimEnd()
  return [line(COLUMNS.map((c) => c.title)), widths.map((w) => '-'.repeat(w)).join('-|-'), ...body.map(line)].join('\n')
}
