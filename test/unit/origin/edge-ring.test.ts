import t from 'tap'
import { EdgeRing } from '../../../internal/origin/edge-ring.js'

const paths = Array.from({ length: 6000 }, (_, i) => `live01/720p/${897600000 + i}.ts`)
const edges = (n: number): string[] => Array.from({ length: n }, (_, i) => `http://127.0.0.1:${8101 + i}`)

t.test('no edge: nothing is picked (URIs stay on the origin)', async (t) => {
  t.equal(new EdgeRing([]).pick('live01/720p/1.ts'), undefined)
})

t.test('deterministic and independent of the order edges are listed in', async (t) => {
  const a = new EdgeRing(edges(4))
  const b = new EdgeRing([...edges(4)].reverse())
  t.ok(a.equals(b))
  t.same(paths.slice(0, 200).map((p) => a.pick(p)), paths.slice(0, 200).map((p) => b.pick(p)))
})

t.test('load spreads evenly: busiest edge below 1.1x the mean over 6000 segments', async (t) => {
  const ring = new EdgeRing(edges(5))
  const counts = new Map<string, number>()
  for (const p of paths) { const e = ring.pick(p) as string; counts.set(e, (counts.get(e) ?? 0) + 1) }
  t.equal(counts.size, 5, 'every edge gets segments')
  const mean = paths.length / 5
  const busiest = Math.max(...counts.values())
  t.ok(busiest / mean < 1.1, `busiest/mean = ${(busiest / mean).toFixed(3)}`)
})

t.test('when one edge of N leaves, only its segments move (about 1/N)', async (t) => {
  const before = new EdgeRing(edges(5))
  const gone = edges(5)[2] as string
  const after = new EdgeRing(edges(5).filter((e) => e !== gone))
  let moved = 0
  let movedFromStayingEdge = 0
  for (const p of paths) {
    const was = before.pick(p)
    if (was === after.pick(p)) continue
    moved += 1
    if (was !== gone) movedFromStayingEdge += 1
  }
  t.equal(movedFromStayingEdge, 0, 'a segment moves only if its edge left')
  const fraction = moved / paths.length
  t.ok(fraction > 0.15 && fraction < 0.25, `moved fraction ${fraction.toFixed(3)} is about 1/5`)
})

t.test('a draining edge is alive but never picked; listing it in both lists drains it', async (t) => {
  const ring = new EdgeRing(edges(3), [edges(3)[1] as string])
  t.same(ring.edges, [edges(3)[0], edges(3)[2]])
  t.same(ring.draining, [edges(3)[1]])
  t.ok(ring.isAlive(edges(3)[1] as string))
  t.notOk(ring.isAlive('http://127.0.0.1:9999'))
  t.notOk(paths.slice(0, 500).some((p) => ring.pick(p) === edges(3)[1]), 'no new segment on the draining edge')
  t.notOk(ring.equals(new EdgeRing(edges(3))), 'draining is part of the set')
  t.ok(ring.equals(new EdgeRing([edges(3)[2] as string, edges(3)[0] as string], [edges(3)[1] as string])))
})
