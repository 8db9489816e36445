import t from 'tap'
import fc from 'fast-check'
import { fewestToDrop, placeStreams, type Assignment, type PlacementResult, type PlacementStream, type PlacementWorker } from '../../../internal/assigner/placement.js'

const stream = (name: string, redundancy = 2, cost = 1): PlacementStream => ({ name, redundancy, cost })
const worker = (id: string, capacity: number, host = id, filter?: RegExp): PlacementWorker => ({ id, host, capacity, ...(filter !== undefined ? { filter } : {}) })
/** What changed, one line each, in the order of moves. */
const changes = (result: PlacementResult): string[] => result.moves.filter((m) => m.action !== 'keep').map((m) => `${m.action} ${m.stream}@${m.worker} (${m.reason})`)

// make run-local-multi: assets/streams-multi.json on four workers of capacity 3, w4 only `stage…`, one machine
const multiStreams = [stream('room1'), stream('room2'), stream('stage1'), stream('stage2')]
const multiWorkers = [worker('w1', 3, 'localhost'), worker('w2', 3, 'localhost'), worker('w3', 3, 'localhost'), worker('w4', 3, 'localhost', /^stage/)]
const multiPlaced = { room1: ['w1', 'w2'], room2: ['w1', 'w2'], stage1: ['w3', 'w4'], stage2: ['w3', 'w4'] }

t.test('run-local-multi: eight copies spread two per worker, w4 only stage streams', async (t) => {
  const result = placeStreams(multiStreams, multiWorkers, {})
  t.same(result.assignment, multiPlaced)
  t.same(result.unplaced, [])
  t.equal(result.moves.length, 8)
  t.ok(result.moves.every((m) => m.action === 'add' && m.reason === 'new copy'))
})

t.test('a dead worker: its copies move, nothing else does', async (t) => {
  const result = placeStreams(multiStreams, multiWorkers.filter((w) => w.id !== 'w4'), multiPlaced)
  t.same(result.assignment, { room1: ['w1', 'w2'], room2: ['w1', 'w2'], stage1: ['w1', 'w3'], stage2: ['w2', 'w3'] })
  t.same(changes(result), ['add stage1@w1 (new copy)', 'drop stage1@w4 (dead worker)', 'add stage2@w2 (new copy)', 'drop stage2@w4 (dead worker)'])
  t.equal(result.moves.filter((m) => m.action === 'keep' && m.reason === 'sticky').length, 6)
})

t.test('capacity runs out: the copy that fits nowhere is reported, and a joining worker takes it', async (t) => {
  const degraded = placeStreams(multiStreams, multiWorkers.filter((w) => w.id !== 'w1'), multiPlaced)
  t.same(degraded.assignment, { room1: ['w2', 'w3'], room2: ['w2'], stage1: ['w3', 'w4'], stage2: ['w3', 'w4'] })
  t.same(degraded.unplaced, [{ stream: 'room2', missing: 1 }], 'w3 is full and w4 takes only stage streams')
  const joined = placeStreams(multiStreams, [...multiWorkers.filter((w) => w.id !== 'w1'), worker('w5', 3, 'localhost')], degraded.assignment)
  t.same(changes(joined), ['add room2@w5 (new copy)'])
  t.same(joined.unplaced, [])
})

t.test('a joining worker moves nothing, however empty it is', async (t) => {
  const result = placeStreams(multiStreams, [worker('w0', 100, 'big'), ...multiWorkers], multiPlaced)
  t.same(result.assignment, multiPlaced)
  t.same(changes(result), [])
})

t.test('every stream gets its first copy before any gets its second', async (t) => {
  const result = placeStreams([stream('a', 2), stream('b', 1)], [worker('w1', 1), worker('w2', 1)], {})
  t.same(result.assignment, { a: ['w1'], b: ['w2'] })
  t.same(result.unplaced, [{ stream: 'a', missing: 1 }])
})

t.test('distinct hosts are preferred over a lower load, and shared only when no other host has room', async (t) => {
  const workers = [worker('a1', 10, 'A'), worker('a2', 10, 'A'), worker('b1', 2, 'B')]
  const spread = placeStreams([stream('x', 2), stream('y', 1)], workers, { y: ['b1'] })
  t.same(spread.assignment, { x: ['a1', 'b1'], y: ['b1'] }, 'b1 is half full and a2 empty, but a2 shares a host with a1')
  const full = placeStreams([stream('x', 2), stream('y', 1, 2)], workers, { y: ['b1'] })
  t.same(full.assignment, { x: ['a1', 'a2'], y: ['b1'] }, 'host B has no room: the second copy shares host A')
  const three = placeStreams([stream('x', 3)], [worker('a1', 5, 'A'), worker('a2', 5, 'A'), worker('b1', 5, 'B'), worker('c1', 5, 'C')], {})
  t.same(three.assignment, { x: ['a1', 'b1', 'c1'] })
})

t.test('capacity lowered: the fewest copies go, the cheapest one that covers the excess, and are placed again elsewhere', async (t) => {
  const streams = [stream('a', 1, 1), stream('b', 1, 2), stream('c', 1, 1)]
  const current = { a: ['w1'], b: ['w1'], c: ['w1'] }
  const byOne = placeStreams(streams, [worker('w1', 3), worker('w2', 4)], current)
  t.same(changes(byOne), ['drop a@w1 (over capacity)', 'add a@w2 (new copy)'], 'one copy of cost 1 is enough')
  const byTwo = placeStreams(streams, [worker('w1', 2), worker('w2', 4)], current)
  t.same(changes(byTwo), ['drop b@w1 (over capacity)', 'add b@w2 (new copy)'], 'one copy of cost 2 rather than two of cost 1')
  const byThree = placeStreams(streams, [worker('w1', 1), worker('w2', 4)], current)
  t.same(changes(byThree), ['drop a@w1 (over capacity)', 'add a@w2 (new copy)', 'drop b@w1 (over capacity)', 'add b@w2 (new copy)'])
  const toZero = placeStreams(streams, [worker('w1', 0), worker('w2', 1)], current)
  t.same(toZero.assignment, { a: ['w2'], b: [], c: [] })
  t.same(toZero.unplaced, [{ stream: 'b', missing: 1 }, { stream: 'c', missing: 1 }])
})

t.test('fewestToDrop: fewest copies, then the least capacity given up', async (t) => {
  const copies = [{ name: 'a', cost: 1 }, { name: 'b', cost: 3 }, { name: 'c', cost: 2 }, { name: 'd', cost: 2 }]
  t.same(fewestToDrop(copies, 0).map((c) => c.name), [])
  t.same(fewestToDrop(copies, 1).map((c) => c.name), ['a'])
  t.same(fewestToDrop(copies, 2).map((c) => c.name), ['c'])
  t.same(fewestToDrop(copies, 4).map((c) => c.name), ['b', 'a'])
  t.same(fewestToDrop(copies, 6).map((c) => c.name), ['b', 'c', 'a'])
  t.same(fewestToDrop(copies, 99).map((c) => c.name), ['b', 'c', 'd', 'a'])
})

t.test('redundancy lowered: the extra copy goes from the most loaded worker, or from a host that holds two', async (t) => {
  const workers = [worker('w1', 4), worker('w2', 4), worker('w3', 4)]
  const loaded = placeStreams([stream('x', 2), stream('y', 1, 2)], workers, { x: ['w1', 'w2', 'w3'], y: ['w2'] })
  t.same(changes(loaded), ['drop x@w2 (redundancy lowered)'])
  const hosts = placeStreams([stream('x', 2), stream('y', 1, 2)], [worker('w1', 4, 'A'), worker('w2', 4, 'B'), worker('w3', 4, 'A')], { x: ['w1', 'w2', 'w3'], y: ['w2'] })
  t.same(changes(hosts), ['drop x@w1 (redundancy lowered)'], 'w2 is the most loaded, but dropping there would leave both copies on host A')
  const overFull = placeStreams([stream('x', 1), stream('y', 1, 2)], [worker('w1', 4), worker('w2', 2)], { x: ['w1', 'w2'], y: ['w2'] })
  t.same(changes(overFull), ['drop x@w2 (redundancy lowered)'], 'the extra copy on the over-full worker brings it back within capacity too')
})

t.test('a deleted stream, a dead worker, a changed filter, a duplicate id and an entry that is not a list', async (t) => {
  const current = { gone: ['w1'], a: ['w1', 'w1', 'ghost'], b: ['w2'], c: 'nonsense' } as unknown as Assignment
  const result = placeStreams([stream('a', 1), stream('b', 1), stream('c', 1)], [worker('w1', 2), worker('w2', 2, 'w2', /^a/)], current)
  t.same(result.assignment, { a: ['w1'], b: ['w1'], c: [] }, 'the deleted stream frees room on w1 for b')
  t.same(result.unplaced, [{ stream: 'c', missing: 1 }])
  t.same(changes(result), ['drop a@ghost (dead worker)', 'add b@w1 (new copy)', 'drop b@w2 (filter)', 'drop gone@w1 (stream deleted)'])
  t.same(result.moves.filter((m) => m.action === 'keep'), [{ stream: 'a', worker: 'w1', action: 'keep', reason: 'sticky' }], 'the duplicate counts once')
  t.notOk('gone' in result.assignment)
})

t.test('a global or sticky filter: lastIndex neither matters nor changes', async (t) => {
  const g = /^stage/g
  const y = /stage/y
  const streams = [stream('stage1', 1), stream('stage2', 1), stream('stage3', 1), stream('room', 1)]
  const result = placeStreams(streams, [worker('g', 2, 'g', g), worker('y', 2, 'y', y)], {})
  t.same(result.assignment, { room: [], stage1: ['g'], stage2: ['y'], stage3: ['g'] })
  t.same([g.lastIndex, y.lastIndex], [0, 0])
  const again = placeStreams(streams, [worker('g', 2, 'g', g), worker('y', 2, 'y', y)], result.assignment)
  t.same(changes(again), [])
})

t.test('the same inputs in another order give the same result', async (t) => {
  const a = placeStreams(multiStreams, multiWorkers, {})
  const b = placeStreams([...multiStreams].reverse(), [...multiWorkers].reverse(), {})
  t.equal(JSON.stringify(b), JSON.stringify(a))
})

// ---- properties ----

const FILTERS = [/^stage/, /^r/, /1$/g, /a|e/y, /./]
const NAMES = ['a', 'b', 'c', 'e', 'r1', 'r2', 'stage1', 'stage2', 'stage3']
const IDS = ['w0', 'w1', 'w2', 'w3', 'w4', 'w5', 'w6', 'w7']
const HOSTS = ['h0', 'h1', 'h2']

const streamsArb = fc.uniqueArray(
  fc.record({ name: fc.constantFrom(...NAMES), redundancy: fc.integer({ min: 1, max: 3 }), cost: fc.integer({ min: 1, max: 3 }) }),
  { selector: (s) => s.name, maxLength: NAMES.length }
)
const workersArb = fc.uniqueArray(
  fc.record({ id: fc.constantFrom(...IDS), host: fc.constantFrom(...HOSTS), capacity: fc.integer({ min: 0, max: 7 }), filter: fc.option(fc.constantFrom(...FILTERS), { nil: undefined }) }, { requiredKeys: ['id', 'host', 'capacity'] }),
  { selector: (w) => w.id, maxLength: 6 }
)
// garbage too: unknown streams, dead ids (any of IDS may be absent, plus 'ghost'), duplicates, over-full workers
const currentArb = fc.dictionary(fc.constantFrom(...NAMES, 'deleted'), fc.array(fc.constantFrom(...IDS, 'ghost'), { maxLength: 4 }), { maxKeys: 10 })

interface Scenario { streams: PlacementStream[], workers: PlacementWorker[], current: Record<string, string[]> }
const scenarioArb: fc.Arbitrary<Scenario> = fc.record({ streams: streamsArb, workers: workersArb, current: currentArb })
/** A scenario that was placed once already: the steady state the next round starts from. */
const settledArb: fc.Arbitrary<Scenario> = scenarioArb.map((s) => ({ ...s, current: placeStreams(s.streams, s.workers, s.current).assignment }))

const accepts = (w: PlacementWorker, name: string): boolean => w.filter === undefined || new RegExp(w.filter.source).test(name)
const pairs = (a: Readonly<Record<string, readonly string[]>>): Set<string> => new Set(Object.entries(a).flatMap(([s, ids]) => ids.map((id) => `${s}@${id}`)))

/** What the previous round holds that could stay: stream exists, worker live, filter matches; duplicates once. */
function validCopies ({ streams, workers, current }: Scenario): Map<string, string[]> {
  const valid = new Map<string, string[]>()
  for (const s of streams) {
    const ids = [...new Set(Object.hasOwn(current, s.name) ? current[s.name] : [])]
    valid.set(s.name, ids.filter((id) => workers.some((w) => w.id === id && accepts(w, s.name))))
  }
  return valid
}

function loads (streams: readonly PlacementStream[], assignment: Readonly<Record<string, readonly string[]>>): Map<string, number> {
  const load = new Map<string, number>()
  for (const s of streams) for (const id of assignment[s.name] ?? []) load.set(id, (load.get(id) ?? 0) + s.cost)
  return load
}

/** Every rule the result must keep, whatever came in. */
function checkResult (scenario: Scenario, result: PlacementResult): void {
  const { streams, workers, current } = scenario
  const byId = new Map(workers.map((w) => [w.id, w]))
  const load = loads(streams, result.assignment)
  const room = (w: PlacementWorker): number => w.capacity - (load.get(w.id) ?? 0)
  const assert = (ok: boolean, what: string): void => { if (!ok) throw new Error(`${what}
${JSON.stringify({ scenario, result }, (_k, v: unknown) => (v instanceof RegExp ? String(v) : v))}`) }

  assert(JSON.stringify(Object.keys(result.assignment).sort()) === JSON.stringify(streams.map((s) => s.name).sort()), 'every stream and only streams')
  for (const w of workers) assert(room(w) >= 0, `capacity of ${w.id} exceeded`)
  for (const s of streams) {
    const ids = result.assignment[s.name] ?? []
    const missing = result.unplaced.find((u) => u.stream === s.name)?.missing ?? 0
    assert(JSON.stringify(ids) === JSON.stringify([...new Set(ids)].sort()), `${s.name}: sorted, no worker twice`)
    assert(ids.every((id) => byId.has(id)), `${s.name}: only live workers`)
    assert(ids.every((id) => accepts(byId.get(id) as PlacementWorker, s.name)), `${s.name}: filters kept`)
    assert(ids.length + missing === s.redundancy, `${s.name}: copies + unplaced = redundancy`)
    const eligible = workers.filter((w) => !ids.includes(w.id) && accepts(w, s.name) && room(w) >= s.cost)
    assert(missing === 0 || eligible.length === 0, `${s.name}: unplaced while ${eligible.map((w) => w.id).join()} had room`)
    const hosts = ids.map((id) => byId.get(id)?.host)
    const added = result.moves.filter((m) => m.stream === s.name && m.action === 'add').map((m) => byId.get(m.worker)?.host)
    const sharedByAdd = added.some((h) => hosts.filter((x) => x === h).length > 1)
    assert(!sharedByAdd || !eligible.some((w) => !hosts.includes(w.host)), `${s.name}: a copy was added on a shared host while another host had room`)
  }
  assert(result.unplaced.every((u) => u.missing > 0), 'unplaced lists only missing copies')

  // moves: keep + drop is the previous round (deduplicated), keep + add is this one
  const key = (m: { stream: string, worker: string }): string => `${m.stream}@${m.worker}`
  const before = pairs(Object.fromEntries(Object.entries(current).filter(([, v]) => Array.isArray(v))))
  const kept = result.moves.filter((m) => m.action === 'keep').map(key)
  assert(JSON.stringify([...kept, ...result.moves.filter((m) => m.action === 'drop').map(key)].sort()) === JSON.stringify([...before].sort()), 'keep + drop = before')
  assert(JSON.stringify([...kept, ...result.moves.filter((m) => m.action === 'add').map(key)].sort()) === JSON.stringify([...pairs(result.assignment)].sort()), 'keep + add = after')

  // fewest moves: a valid copy goes only for a reason that holds, and no more of them than needed
  const valid = validCopies(scenario)
  const validLoad = loads(streams, Object.fromEntries(valid))
  const over = new Map(workers.map((w) => [w.id, (validLoad.get(w.id) ?? 0) - w.capacity]))
  for (const m of result.moves.filter((m) => m.action === 'drop')) {
    const s = streams.find((x) => x.name === m.stream)
    const w = byId.get(m.worker)
    const holds = {
      'stream deleted': s === undefined,
      'dead worker': s !== undefined && w === undefined,
      filter: s !== undefined && w !== undefined && !accepts(w, m.stream),
      'redundancy lowered': s !== undefined && (valid.get(s.name)?.length ?? 0) > s.redundancy,
      'over capacity': (over.get(m.worker) ?? 0) > 0
    }[m.reason as string]
    assert(holds === true, `${key(m)} dropped for '${m.reason}', which does not hold`)
  }
  for (const s of streams) {
    const extra = (valid.get(s.name)?.length ?? 0) - s.redundancy
    const lowered = result.moves.filter((m) => m.stream === s.name && m.reason === 'redundancy lowered').length
    assert(lowered <= Math.max(0, extra), `${s.name}: more copies dropped than redundancy was lowered`)
  }
  for (const w of workers) {
    const excess = over.get(w.id) ?? 0
    const costs = streams.filter((s) => valid.get(s.name)?.includes(w.id)).map((s) => s.cost).sort((a, b) => b - a)
    let fewest = 0
    for (let sum = 0; sum < excess; fewest++) sum += costs[fewest] ?? Infinity
    const dropped = result.moves.filter((m) => m.worker === w.id && m.reason === 'over capacity').length
    assert(dropped <= fewest, `${w.id}: ${dropped} copies dropped for capacity where ${fewest} would do`)
  }
}

/** Same elements, another order, from a seed: so a failing shuffle shrinks and replays. */
function shuffled<T> (items: readonly T[], seed: number): T[] {
  const out = [...items]
  let x = seed | 1
  for (let i = out.length - 1; i > 0; i--) {
    x ^= x << 13; x ^= x >>> 17; x ^= x << 5
    const j = Math.abs(x) % (i + 1)
    ;[out[i], out[j]] = [out[j] as T, out[i] as T]
  }
  return out
}

function deepFreeze<T> (value: T): T {
  if (typeof value === 'object' && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

const RUNS = { numRuns: 400 }

t.test('property: every rule holds for any input, garbage in the previous round included', async (t) => {
  fc.assert(fc.property(scenarioArb, (scenario) => {
    // frozen: a mutation throws (ESM is strict), and so would test() on a frozen /g or /y filter
    const copy = deepFreeze(structuredClone({ ...scenario, workers: scenario.workers.map((w) => ({ ...w })) }))
    checkResult(scenario, placeStreams(copy.streams, scenario.workers.map((w) => deepFreeze({ ...w, ...(w.filter !== undefined ? { filter: deepFreeze(new RegExp(w.filter)) } : {}) })), copy.current))
  }), RUNS)
  t.pass()
})

t.test('property: the same inputs in any order give the same result', async (t) => {
  fc.assert(fc.property(scenarioArb, fc.integer(), (scenario, seed) => {
    const expected = JSON.stringify(placeStreams(scenario.streams, scenario.workers, scenario.current))
    const current = Object.fromEntries(shuffled(Object.entries(scenario.current), seed).map(([k, v]) => [k, shuffled(v, seed + 1)]))
    const actual = JSON.stringify(placeStreams(shuffled(scenario.streams, seed), shuffled(scenario.workers, seed + 2), current))
    return actual === expected
  }), RUNS)
  t.pass()
})

t.test('property: placing again with the result changes nothing', async (t) => {
  fc.assert(fc.property(settledArb, (scenario) => {
    const first = placeStreams(scenario.streams, scenario.workers, scenario.current)
    const again = placeStreams(scenario.streams, scenario.workers, first.assignment)
    return JSON.stringify(again.assignment) === JSON.stringify(first.assignment) &&
      JSON.stringify(again.unplaced) === JSON.stringify(first.unplaced) &&
      again.moves.every((m) => m.action === 'keep') &&
      JSON.stringify(first.assignment) === JSON.stringify(scenario.current)
  }), RUNS)
  t.pass()
})

t.test('property: a joining worker moves no running copy; a dead one moves only its own', async (t) => {
  const joinerArb = fc.record({ host: fc.constantFrom(...HOSTS, 'new-host'), capacity: fc.integer({ min: 0, max: 9 }), filter: fc.option(fc.constantFrom(...FILTERS), { nil: undefined }) })
  fc.assert(fc.property(settledArb, joinerArb, fc.nat(), (scenario, joiner, pick) => {
    const joined = { ...scenario, workers: [...scenario.workers, worker('joiner', joiner.capacity, joiner.host, joiner.filter)] }
    const afterJoin = placeStreams(joined.streams, joined.workers, scenario.current)
    checkResult(joined, afterJoin)
    if (afterJoin.moves.some((m) => m.action === 'drop')) return false
    if (scenario.workers.length === 0) return true
    const dead = (scenario.workers[pick % scenario.workers.length] as PlacementWorker).id
    const remaining = { ...scenario, workers: scenario.workers.filter((w) => w.id !== dead) }
    const afterDeath = placeStreams(remaining.streams, remaining.workers, scenario.current)
    checkResult(remaining, afterDeath)
    return afterDeath.moves.every((m) => m.action !== 'drop' || (m.worker === dead && m.reason === 'dead worker'))
  }), RUNS)
  t.pass()
})
