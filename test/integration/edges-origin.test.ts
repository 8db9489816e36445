import t from 'tap'
import { checkEdgesBehindOrigin } from '../support/edges-origin-check.js'

// The short version: 4 s of steady play before the load comparison and the kill. The long tier
// (test/chaos/long/edges-origin-long.test.ts, `make test-long`) watches a minute.
t.test('edges: players load playlists and segments from the edges, the origin serves the edges, a player\'s edge dies without a stall', { timeout: 300_000 }, async (t) => {
  await checkEdgesBehindOrigin(t, { steadyMs: 4000, afterKillMs: 10_000 })
})
