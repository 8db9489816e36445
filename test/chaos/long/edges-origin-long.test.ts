import t from 'tap'
import { checkEdgesBehindOrigin } from '../../support/edges-origin-check.js'

// The long version of test/integration/edges-origin.test.ts: a minute of play through the edges
// before the load comparison and the kill, and a minute after it.
t.test('edges, 60 s: players load everything from the edges; a player\'s edge dies without a stall', { timeout: 400_000 }, async (t) => {
  await checkEdgesBehindOrigin(t, { steadyMs: 60_000, afterKillMs: 60_000 })
})
