import t from 'tap'
import { checkEdgesBehindOrigin } from '../support/edges-origin-check.js'

// The short version: 20 s of steady stream before the kill. The 60 s version is in the long tier
// (test/chaos/long/edges-origin-long.test.ts, `make test-long`).
t.test('edges: real nginx edges serve every listed segment; a SIGKILLed edge is replaced without a failed segment', { timeout: 300_000 }, async (t) => {
  // two renditions of 2 s segments: about one new segment a second, over 20 s steady and 15 s after the kill
  await checkEdgesBehindOrigin(t, { steadyMs: 20_000, minSegments: 25 })
})
