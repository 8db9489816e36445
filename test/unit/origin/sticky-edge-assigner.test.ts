import t from 'tap'
import { EdgeRing } from '../../../internal/origin/edge-ring.js'
import { StickyEdgeAssigner } from '../../../internal/origin/sticky-edge-assigner.js'

const edge = (i: number): string => `http://127.0.0.1:${8101 + i}`
const window = (first: number, size = 6): string[] => Array.from({ length: size }, (_, i) => `live01/720p/${first + i}.ts`)

/** One render of `paths` with `ring`: each path's host, as a playlist would list it. */
function render (assigner: StickyEdgeAssigner, ring: EdgeRing, paths: readonly string[]): Map<string, string | undefined> {
  const pass = assigner.pass(ring)
  const hosts = new Map(paths.map((p) => [p, pass.edgeFor(p)]))
  pass.finish()
  return hosts
}

t.test('a new segment follows the ring; a listed one keeps its edge when an edge joins', async (t) => {
  const assigner = new StickyEdgeAssigner()
  const two = new EdgeRing([edge(0), edge(1)])
  const before = render(assigner, two, window(100))
  for (const [p, host] of before) t.equal(host, two.pick(p))
  const three = new EdgeRing([edge(0), edge(1), edge(2)])
  const after = render(assigner, three, window(101))
  for (const p of window(101, 5)) t.equal(after.get(p), before.get(p), `${p} stays where it was listed`)
  const fresh = 'live01/720p/106.ts'
  t.equal(after.get(fresh), three.pick(fresh), 'the new segment is placed by the new ring')
  // over many new segments the new edge takes its share
  const later = render(assigner, three, window(200, 60))
  t.ok([...later.values()].filter((h) => h === edge(2)).length > 10, 'the joined edge gets new segments')
})

t.test('a draining edge keeps what it holds and gets nothing new', async (t) => {
  const assigner = new StickyEdgeAssigner()
  const three = new EdgeRing([edge(0), edge(1), edge(2)])
  const before = render(assigner, three, window(0, 30))
  const held = [...before].filter(([, h]) => h === edge(2)).map(([p]) => p)
  t.ok(held.length > 0)
  const draining = new EdgeRing([edge(0), edge(1)], [edge(2)])
  const after = render(assigner, draining, [...window(0, 30), ...window(30, 30)])
  for (const p of held) t.equal(after.get(p), edge(2), `${p} stays on the draining edge`)
  t.notOk(window(30, 30).some((p) => after.get(p) === edge(2)), 'new segments avoid it')
})

t.test('a segment moves only when its edge is gone, and then only once', async (t) => {
  const assigner = new StickyEdgeAssigner()
  const three = new EdgeRing([edge(0), edge(1), edge(2)])
  const before = render(assigner, three, window(0, 30))
  const two = new EdgeRing([edge(0), edge(2)])
  const after = render(assigner, two, window(0, 30))
  for (const [p, host] of before) {
    if (host === edge(1)) t.equal(after.get(p), two.pick(p), `${p} left the gone edge`)
    else t.equal(after.get(p), host, `${p} did not move`)
  }
  const again = render(assigner, new EdgeRing([edge(0), edge(1), edge(2)]), window(0, 30))
  t.same(again, after, 'the edge coming back does not pull listed segments back')
})

t.test('segments listed without edges stay on the origin; forgotten once out of every playlist', async (t) => {
  const assigner = new StickyEdgeAssigner()
  const none = render(assigner, new EdgeRing([]), window(0))
  t.ok([...none.values()].every((h) => h === undefined))
  const ring = new EdgeRing([edge(0)])
  const next = render(assigner, ring, window(1))
  t.ok(window(1, 5).every((p) => next.get(p) === undefined), 'listed on the origin, they stay there')
  t.equal(next.get('live01/720p/6.ts'), edge(0))
  t.equal(assigner.size, 6, 'segment 0 left the window and is forgotten')
  const pass = assigner.pass(ring)
  t.equal(pass.edgeFor('live01/720p/0.ts'), edge(0), 'a forgotten path is placed afresh')
})
