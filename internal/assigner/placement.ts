export interface PlacementStream {
  /** Unique. */
  readonly name: string
  /** Copies wanted, on distinct workers: >= 1. */
  readonly redundancy: number
  /** Ladder encodes one copy takes (its rung count): >= 1. */
  readonly cost: number
}

export interface PlacementWorker {
  /** Unique. */
  readonly id: string
  /** Machine it runs on: several workers may share one. */
  readonly host: string
  /** Ladder encodes it can carry: >= 0. */
  readonly capacity: number
  /** When present, the worker takes only streams whose name this matches. */
  readonly filter?: RegExp
}

/** Stream name -> ids of the workers holding a copy, as the previous round placed them (may name dead workers, deleted streams, over-full workers). */
export type Assignment = Readonly<Record<string, readonly string[]>>

export type DropReason = 'stream deleted' | 'dead worker' | 'filter' | 'redundancy lowered' | 'over capacity'
export type PlacementReason = DropReason | 'sticky' | 'new copy'

export interface PlacementMove {
  readonly stream: string
  readonly worker: string
  readonly action: 'keep' | 'add' | 'drop'
  readonly reason: PlacementReason
}

export interface PlacementResult {
  /** Every stream of the input, its worker ids sorted. */
  readonly assignment: Record<string, string[]>
  /** Copies that fit on no live worker this round, by stream name. */
  readonly unplaced: ReadonlyArray<{ stream: string, missing: number }>
  /** Every copy of the previous and of this placement, what became of it and why, sorted by stream then worker. */
  readonly moves: readonly PlacementMove[]
}

interface Slot {
  readonly id: string
  readonly host: string
  readonly capacity: number
  /** The worker's filter without g/y, so test() never depends on lastIndex. */
  readonly filter: RegExp | undefined
  load: number
}

/**
 * Pure: places `redundancy` copies of every stream on live workers. Sticky: a copy stays where
 * `current` has it while its worker is live, its filter matches, and the copy is not needed to
 * bring the worker back within capacity or the stream back to its redundancy. Missing copies go,
 * one at a time and the streams with the fewest copies first, to the eligible worker on a host
 * the stream does not use yet, then the least loaded. The same inputs in any order give the same
 * result, and the result placed again changes nothing.
 */
export function placeStreams (streams: readonly PlacementStream[], workers: readonly PlacementWorker[], current: Assignment): PlacementResult {
  const ordered = [...streams].sort((a, b) => byString(a.name, b.name))
  const byName = new Map(ordered.map((s) => [s.name, s]))
  const slots = new Map([...workers].sort((a, b) => byString(a.id, b.id)).map((w) => [w.id, toSlot(w)]))
  const prior = priorCopies(current)
  const dropped = new Map<string, DropReason>()
  const held = new Map(ordered.map((s) => [s.name, [] as string[]]))

  for (const [name, ids] of prior) {
    const stream = byName.get(name)
    for (const id of ids) {
      const slot = slots.get(id)
      if (stream === undefined || slot === undefined || !accepts(slot, name)) {
        dropped.set(pairKey(name, id), stream === undefined ? 'stream deleted' : slot === undefined ? 'dead worker' : 'filter')
        continue
      }
      held.get(name)?.push(id)
      slot.load += stream.cost
    }
  }

  // redundancy first: a surplus copy on an over-full worker is the cheapest drop there is
  for (const stream of ordered) {
    const ids = held.get(stream.name) ?? []
    while (ids.length > Math.max(0, stream.redundancy)) {
      const victim = surplusVictim(ids, slots)
      ids.splice(ids.indexOf(victim), 1)
      slotOf(slots, victim).load -= stream.cost
      dropped.set(pairKey(stream.name, victim), 'redundancy lowered')
    }
  }

  const onWorker = new Map<string, PlacementStream[]>()
  for (const stream of ordered) {
    for (const id of held.get(stream.name) ?? []) {
      const list = onWorker.get(id)
      if (list === undefined) onWorker.set(id, [stream])
      else list.push(stream)
    }
  }
  for (const slot of slots.values()) {
    if (slot.load <= slot.capacity) continue
    for (const stream of fewestToDrop(onWorker.get(slot.id) ?? [], slot.load - slot.capacity)) {
      const ids = held.get(stream.name) ?? []
      ids.splice(ids.indexOf(slot.id), 1)
      slot.load -= stream.cost
      dropped.set(pairKey(stream.name, slot.id), 'over capacity')
    }
  }

  const unplaced = fillMissing(ordered, held, [...slots.values()])

  return {
    assignment: Object.fromEntries(ordered.map((s) => [s.name, [...(held.get(s.name) ?? [])].sort(byString)])),
    unplaced,
    moves: movesBetween(prior, held, dropped)
  }
}

/**
 * Adds missing copies one at a time: the stream holding the fewest copies first (so every stream
 * gets one copy before any gets its second), then the one missing most, the costlier, by name.
 * A stream that fits nowhere is unplaced: room only shrinks later in the round, so it would not fit
 * at the end either.
 */
function fillMissing (ordered: readonly PlacementStream[], held: Map<string, string[]>, slots: readonly Slot[]): Array<{ stream: string, missing: number }> {
  const unplaced: Array<{ stream: string, missing: number }> = []
  const missing = (s: PlacementStream): number => s.redundancy - (held.get(s.name)?.length ?? 0)
  const pending = ordered.filter((s) => missing(s) > 0)
  while (pending.length > 0) {
    const next = pending.reduce((best, s) => (fillOrder(s, best, held, missing) < 0 ? s : best))
    const ids = held.get(next.name) ?? []
    const slot = bestWorker(next, ids, slots)
    if (slot === undefined) unplaced.push({ stream: next.name, missing: missing(next) })
    else {
      ids.push(slot.id)
      slot.load += next.cost
    }
    if (slot === undefined || missing(next) <= 0) pending.splice(pending.indexOf(next), 1)
  }
  return unplaced.sort((a, b) => byString(a.stream, b.stream))
}

function fillOrder (a: PlacementStream, b: PlacementStream, held: Map<string, string[]>, missing: (s: PlacementStream) => number): number {
  return (held.get(a.name)?.length ?? 0) - (held.get(b.name)?.length ?? 0) ||
    missing(b) - missing(a) ||
    b.cost - a.cost ||
    byString(a.name, b.name)
}

/** The worker for one more copy: filter matches, room for it, not holding it; a host the stream does not use yet, then least loaded. */
function bestWorker (stream: PlacementStream, ids: readonly string[], slots: readonly Slot[]): Slot | undefined {
  const hostsUsed = new Set(slots.filter((s) => ids.includes(s.id)).map((s) => s.host))
  const eligible = slots.filter((s) => !ids.includes(s.id) && s.capacity - s.load >= stream.cost && accepts(s, stream.name))
  const rank = (a: Slot, b: Slot): number =>
    Number(hostsUsed.has(a.host)) - Number(hostsUsed.has(b.host)) || byRatio(a, b) || a.load - b.load || byString(a.id, b.id)
  return eligible.reduce<Slot | undefined>((best, s) => (best === undefined || rank(s, best) < 0 ? s : best), undefined)
}

/** Which copy of a stream with too many goes: one on an over-full worker, then one on a host holding another copy, then the most loaded. */
function surplusVictim (ids: readonly string[], slots: ReadonlyMap<string, Slot>): string {
  const hosts = ids.map((id) => slotOf(slots, id).host)
  const shared = (slot: Slot): number => Number(hosts.filter((h) => h === slot.host).length > 1)
  const over = (slot: Slot): number => Number(slot.load > slot.capacity)
  const rank = (a: Slot, b: Slot): number =>
    over(b) - over(a) || shared(b) - shared(a) || byRatio(b, a) || b.load - a.load || byString(a.id, b.id)
  const chosen = ids.map((id) => slotOf(slots, id)).reduce((best, s) => (rank(s, best) < 0 ? s : best))
  return chosen.id
}

/**
 * The fewest copies whose costs cover `excess`: the k largest cover the most any k can, so take the
 * largest while none alone covers what is left, then the cheapest one that does (ties by name).
 */
export function fewestToDrop<T extends { readonly name: string, readonly cost: number }> (copies: readonly T[], excess: number): T[] {
  const left = [...copies].sort((a, b) => b.cost - a.cost || byString(a.name, b.name))
  const chosen: T[] = []
  let rest = excess
  while (rest > 0 && left.length > 0) {
    const covering = left.filter((c) => c.cost >= rest)
    const cheapest = covering.at(-1)
    const pick = cheapest === undefined ? left[0] : left.find((c) => c.cost === cheapest.cost)
    if (pick === undefined) break
    left.splice(left.indexOf(pick), 1)
    chosen.push(pick)
    rest -= pick.cost
  }
  return chosen
}

/** Every pair of the previous and the new placement: kept, added or dropped (with why). */
function movesBetween (prior: ReadonlyMap<string, readonly string[]>, held: ReadonlyMap<string, readonly string[]>, dropped: ReadonlyMap<string, DropReason>): PlacementMove[] {
  const moves: PlacementMove[] = []
  for (const [stream, ids] of prior) {
    const now = held.get(stream) ?? []
    for (const worker of ids) {
      moves.push(now.includes(worker)
        ? { stream, worker, action: 'keep', reason: 'sticky' }
        : { stream, worker, action: 'drop', reason: dropped.get(pairKey(stream, worker)) ?? 'dead worker' })
    }
  }
  for (const [stream, ids] of held) {
    const before = prior.get(stream) ?? []
    for (const worker of ids) if (!before.includes(worker)) moves.push({ stream, worker, action: 'add', reason: 'new copy' })
  }
  return moves.sort((a, b) => byString(a.stream, b.stream) || byString(a.worker, b.worker))
}

/** The previous placement, deduplicated and sorted; entries that are not lists of ids are ignored. */
function priorCopies (current: Assignment): Map<string, string[]> {
  const prior = new Map<string, string[]>()
  for (const name of Object.keys(current).sort(byString)) {
    const ids: unknown = current[name]
    if (!Array.isArray(ids)) continue
    prior.set(name, [...new Set(ids.filter((id): id is string => typeof id === 'string'))].sort(byString))
  }
  return prior
}

function toSlot (worker: PlacementWorker): Slot {
  // capacity comes from a heartbeat: anything but a non-negative number carries nothing
  const capacity = Number.isFinite(worker.capacity) && worker.capacity > 0 ? worker.capacity : 0
  const filter = worker.filter === undefined ? undefined : new RegExp(worker.filter.source, worker.filter.flags.replace(/[gy]/g, ''))
  return { id: worker.id, host: worker.host, capacity, filter, load: 0 }
}

function accepts (slot: Slot, stream: string): boolean {
  return slot.filter === undefined || slot.filter.test(stream)
}

function slotOf (slots: ReadonlyMap<string, Slot>, id: string): Slot {
  const slot = slots.get(id)
  if (slot === undefined) throw new Error(`placement: worker '${id}' is not live`) // unreachable: only live ids are held
  return slot
}

/** load/capacity, compared without division so a capacity of 0 (full) and float noise do not matter. */
function byRatio (a: Slot, b: Slot): number {
  return a.load * b.capacity - b.load * a.capacity
}

/** Code-unit order: the same everywhere, unlike localeCompare. */
function byString (a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

function pairKey (stream: string, worker: string): string {
  return `${stream}\u0000${worker}`
}
